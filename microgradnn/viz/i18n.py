"""The words on every picture, in the learner's language (English "en", Korean "ko").

Every function in `microgradnn.viz` that puts words on a picture takes
`lang=`; they all read their words from `TEXTS` through `text(lang, key)`,
so a new language is one more dictionary here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "TEXTS", "check_lang", "text"]

LANGS = ("en", "ko")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # player controls
        "player.title": "Backpropagation, step by step",
        "player.first": "First",
        "player.prev": "◀ Prev",
        "player.play": "▶ Play",
        "player.pause": "⏸ Pause",
        "player.next": "Next ▶",
        "player.fit": "Fit",
        "player.follow": "Follow",
        "player.zoom_in": "Zoom in",
        "player.zoom_out": "Zoom out",
        "player.graph": "Computation graph",
        "player.network": "Network",
        # Korean particles change with how the word before them is read (로/으로, 를/을): the sentences below put
        # no particle after a number or a name, so they read right whatever is filled in.
        "player.frame": "step {k} / {n}",
        "player.slider": "step",
        "player.help": "← → step · Space play / pause · Home End first / last · wheel or pinch zoom · drag to pan",
        "player.view": "view",
        "player.caption": "what this step computes",
        # frames: captions
        "cap.forward": "Forward pass done: {root} = {value}. Every gradient is still unknown ({unknown}).",
        "cap.start": "Backward starts at {root} with {d} = {seed} and visits each node after everything that uses it.",
        "cap.step": "Step {k} of {n}: backward through {name} = {expr}",
        "cap.upstream": "upstream gradient {d} = {value} (final: everything that uses {name} has sent its part)",
        "cap.done": "Backward done: every gradient is known.",
        "cap.vjp": "vector-Jacobian product of {name}",
        "cap.so_far": "so far",
        "edge.none": "no gradient needed",
        "edge.local": "local",
        # graph view
        "graph.neighbourhood": "neighbourhood of {name} within {depth} steps: {shown} of {total} nodes",
        "graph.collapsed": (
            "{n} nodes is more than max_nodes={max_nodes}: each module is drawn as one node "
            "(collapse=False draws every node, expand=module shows one module in full, focus=node a neighbourhood)"
        ),
        "graph.hidden": "{n} more nodes, farthest from the output, are not drawn",
        "graph.nodes": "{n} nodes",
        "cluster.hidden_neuron": "hidden layer {layer}, neuron {neuron}",
        "cluster.output_neuron": "output layer, neuron {neuron}",
        "cluster.hidden_layer": "hidden layer {layer}",
        "cluster.output_layer": "output layer",
        "cluster.layer": "layer {layer}",
        "cluster.neuron": "neuron {neuron}",
        # network view
        "net.inputs": "inputs",
        "net.hidden": "hidden layer {layer}",
        "net.output": "output layer",
        "net.weights_hidden": "{n} weights; each one's value and gradient appear when its neuron is current",
        # plots
        "plot.loss": "loss",
        "plot.val_loss": "validation loss",
        "plot.accuracy": "accuracy",
        "plot.val_accuracy": "validation accuracy",
        "plot.epoch": "epoch",
        "plot.step": "step",
        "plot.training": "Training",
        "plot.lr_title": "Gradient descent with different learning rates",
        "plot.diverged": "diverged",
        "plot.boundary": "Decision boundary",
        "plot.class": "class {c}",
        "plot.boundary_line": "boundary",
        "plot.distances_title": "Which boundary is better? Smaller mean squared distance",
        "plot.msd": "{name}: mean squared distance = {msd}",
        "plot.boundary_n": "boundary {letter}",
        # GIF
        "gif.step": "step {k} / {n}",
        # the words in front of a value's numbers
        "word.data": "data",
        "word.grad": "grad",
    },
    "ko": {
        "player.title": "역전파, 한 단계씩",
        "player.first": "처음",
        "player.prev": "◀ 이전",
        "player.play": "▶ 재생",
        "player.pause": "⏸ 일시정지",
        "player.next": "다음 ▶",
        "player.fit": "전체 보기",
        "player.follow": "따라가기",
        "player.zoom_in": "확대",
        "player.zoom_out": "축소",
        "player.graph": "계산 그래프",
        "player.network": "신경망",
        "player.frame": "단계 {k} / {n}",
        "player.slider": "단계",
        "player.help": (
            "← → 한 단계 · Space 재생 / 일시정지 · Home End 처음 / 끝 · 휠이나 두 손가락으로 확대 · 끌어서 이동"
        ),
        "player.view": "보기",
        "player.caption": "이 단계의 계산",
        "cap.forward": "순전파 끝: {root} = {value}. 기울기는 아직 모두 모릅니다 ({unknown}).",
        "cap.start": (
            "역전파는 {root}에서 시작합니다({d} = {seed}). 각 노드는 그 노드를 쓰는 모든 노드 다음에 방문합니다."
        ),
        "cap.step": "{n}단계 중 {k}단계: 거꾸로 지나가는 노드 {name} = {expr}",
        "cap.upstream": "위쪽 기울기 {d} = {value} (확정: 이 노드를 쓰는 모든 노드가 제 몫을 보냈습니다)",
        "cap.done": "역전파 끝: 모든 기울기를 알았습니다.",
        "cap.vjp": "벡터-야코비안 곱: {name}",
        "cap.so_far": "지금까지",
        "edge.none": "기울기 필요 없음",
        "edge.local": "국소",
        "graph.neighbourhood": "{name}에서 {depth}단계 안의 이웃: 노드 {total}개 중 {shown}개",
        "graph.collapsed": (
            "노드 {n}개는 max_nodes={max_nodes}보다 많아 모듈마다 노드 하나로 그렸습니다 "
            "(collapse=False는 모든 노드, expand=모듈은 그 모듈만 펼쳐서, focus=노드는 이웃만 그립니다)"
        ),
        "graph.hidden": "출력에서 가장 먼 노드 {n}개는 그리지 않았습니다",
        "graph.nodes": "노드 {n}개",
        "cluster.hidden_neuron": "은닉층 {layer}, 뉴런 {neuron}",
        "cluster.output_neuron": "출력층, 뉴런 {neuron}",
        "cluster.hidden_layer": "은닉층 {layer}",
        "cluster.output_layer": "출력층",
        "cluster.layer": "층 {layer}",
        "cluster.neuron": "뉴런 {neuron}",
        "net.inputs": "입력층",
        "net.hidden": "은닉층 {layer}",
        "net.output": "출력층",
        "net.weights_hidden": "가중치 {n}개: 각 값과 기울기는 그 뉴런의 차례에 나타납니다",
        "plot.loss": "손실",
        "plot.val_loss": "검증 손실",
        "plot.accuracy": "정확도",
        "plot.val_accuracy": "검증 정확도",
        "plot.epoch": "에포크",
        "plot.step": "반복",
        "plot.training": "학습",
        "plot.lr_title": "학습률에 따른 경사 하강법",
        "plot.diverged": "발산",
        "plot.boundary": "결정 경계",
        "plot.class": "클래스 {c}",
        "plot.boundary_line": "경계",
        "plot.distances_title": "어느 경계가 더 나을까? 평균 제곱 거리가 작은 쪽",
        "plot.msd": "{name}: 평균 제곱 거리 = {msd}",
        "plot.boundary_n": "경계 {letter}",
        "gif.step": "단계 {k} / {n}",
        "word.data": "값",
        "word.grad": "기울기",
    },
}


def check_lang(lang: str, who: str) -> str:
    """`lang` itself when it is a supported language; otherwise a ValueError naming `who` and the choices."""
    if lang not in TEXTS:
        raise ValueError(f"{who}: lang={lang!r} is not a supported language; use one of {', '.join(LANGS)}")
    return lang


def text(lang: str, key: str, **values: Any) -> str:
    """The text `key` in `lang`, with `values` filled in (English when `lang` lacks the key)."""
    template = TEXTS.get(lang, TEXTS["en"]).get(key, TEXTS["en"][key])
    return template.format(**values) if values else template
