"""clipnb_train: how the bundled models are made (open_clip_train beside open_clip).

It imports ``clipnb``; ``clipnb`` never imports it. One job a module:

* ``emoji``, ``clipart`` — the training data builds (npm's named emoji sets; Debian's openclipart);
* ``samples`` — builds ``data/samples/``, the held-out sample corpus;
* ``english`` — the English teacher (all-MiniLM-L6-v2, hash-checked) and the WordNet phrase set;
* ``trunk`` — the pretrained image trunk (EfficientNet-Lite0 on ImageNet, hash-checked, renamed into timm's);
* ``lit`` — the bundled model: both pretrained towers locked, their outputs cached, the heads trained (LiT);
* ``distill`` — distils the teacher into a small text tower (``bundled:v2``, ``bundled:v3``);
* ``architectures`` — the bundled architectures as data, and their tokenizer;
* ``training`` — the contrastive loss, the data in memory and the training loop of the earlier bundled models
  (``python -m clipnb_train.training``);
* ``aims``, ``evaluation`` — what the model was meant to change, and ``EVAL.md``.

``make data && make model`` runs them in order.
"""
