"""clipnb_train: how the bundled models are made (open_clip_train beside open_clip).

It imports ``clipnb``; ``clipnb`` never imports it. One job a module:

* ``emoji``, ``clipart`` — the training data builds (npm's named emoji sets; Debian's openclipart);
* ``samples`` — builds ``data/samples/``, the held-out sample corpus;
* ``english`` — the English teacher (all-MiniLM-L6-v2, hash-checked) and the WordNet phrase set;
* ``distill`` — distils the teacher into the bundled text tower;
* ``architectures`` — the bundled architectures as data, and their tokenizer;
* ``training`` — the contrastive loss, the data in memory and the training loop (``python -m clipnb_train.training``);
* ``aims``, ``evaluation`` — what the model was meant to change, and ``EVAL.md``.

``make data && make model`` runs them in order.
"""
