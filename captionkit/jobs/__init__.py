"""The jobs captionkit runs end to end, each stage by stage over the lower layers.

``caption`` captions an existing video; ``render`` makes a captioned talking-head video from a script and a
portrait; ``localize`` turns one captioned video into many languages.
"""
