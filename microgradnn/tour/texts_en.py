"""The tour's texts in English. Keys are shared with texts_ko.py; {names} are filled with the actual numbers."""

TEXTS: dict[str, str] = {
    # ------------------------------------------------------------------ general
    "page.title": "microgradnn tour: how a neural network learns",
    "page.intro": (
        "Six steps through the chapter, from a network wired by hand to one that learns by backpropagation. "
        "Every number below was computed by microgradnn when this page was written."
    ),
    "page.dot_note": (
        "Graphviz was not installed, so this graph is saved as DOT text: {path}. "
        "Install Graphviz and render it with: dot -Tsvg {path} -o picture.svg"
    ),
    "page.open_player": "Open the step-by-step player",
    "graphviz.missing": (
        "note: {reason}\n"
        "Install Graphviz to get the pictures of graphs:\n"
        "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
        "  macOS:          brew install graphviz\n"
        "  conda:          conda install -c conda-forge graphviz\n"
        "  Windows:        winget install graphviz\n"
        "The tour goes on without them: each graph is saved as a .dot file you can render later."
    ),
    "start": "The microgradnn tour: six steps through the chapter. Pictures go to {out}",
    "done": "Done in {seconds:.1f} s. Open {index} in a browser to see every step with its pictures.",
    # ------------------------------------------------------------------ step 1
    "step1.title": "Step 1. A hand-wired network classifies XOR",
    "step1.network": (
        "XOR outputs 1 when exactly one of its two inputs is 1. No single straight line separates its 0s "
        "from its 1s, so the network has a hidden layer: inputs x1, x2 -> two hidden neurons a1, a2 -> one "
        "output y'. Each neuron computes f(w . x + b) with the step function f(z) = 1 if z >= 0 else 0.\n"
        "The weights are set by hand: a1 = step(x1 + x2 - 1.5) is AND, a2 = step(x1 + x2 - 0.5) is OR, and "
        "y' = step(-1*a1 + 1*a2 - 0.5) is 'OR but not AND', which is XOR. The forward pass for every row:"
    ),
    "step1.result": (
        "y' equals y in {correct} of {total} rows: with the right weights the network classifies the data."
    ),
    "step1.graph": (
        "The computation graph of y' for x = ({x1}, {x2}). Each neuron is a 'dot' node (w . x + b) "
        "followed by its step."
    ),
    "step1.question": (
        "We found these weights by thinking about AND and OR. How do we find weights for data too complex to "
        "reason about? The next steps answer that: a loss that measures the error, and gradients that reduce it."
    ),
    # ------------------------------------------------------------------ step 2
    "step2.title": "Step 2. Why the step network cannot learn",
    "step2.wrong": (
        "To learn, a network must know which way to move each weight: the gradient of a loss. Take weights "
        "that get {wrong} of the {total} XOR rows wrong, and the loss L = mean over the rows of "
        "(y' - y)^2 = {loss:.4f}. backward() on the step network gives these gradients:"
    ),
    "step2.zero": (
        "Every gradient is zero. The step function is flat on both sides of 0, so its local derivative is 0 "
        "(and at 0 it has none; we use 0). The chain rule multiplies every path from L to a weight by that 0: "
        "the loss says the network is wrong, but not which way to move. Gradient descent is stuck."
    ),
    "step2.graph": "One row, x = (1, 1), after backward(): every gradient in the graph is 0.",
    "step2.sigmoid": (
        "Replace the step by the sigmoid s(z) = 1 / (1 + e^-z), a smooth step whose slope "
        "s'(z) = s(z)(1 - s(z)) is never zero. Same weights, same data: L = {loss:.4f}, and now the "
        "gradients are not zero, so gradient descent knows where to go:"
    ),
    "step2.plot": "step and sigmoid (solid) with their derivatives (dashed): the step's slope is 0 everywhere.",
    # ------------------------------------------------------------------ step 3
    "step3.title": "Step 3. A loss function tells which weights are better",
    "step3.lines": (
        "Two straight decision boundaries both separate the same {n} points: line A, {line_a}, and line B, "
        "{line_b}. Which one is better? Take each point's distance to the line as its error:"
    ),
    "step3.compare": (
        "The mean of the squared distances is {msd_a:.4f} for line A and {msd_b:.4f} for line B, so line "
        "{better} is the better boundary by this measure: its loss is smaller."
    ),
    "step3.plot": "Both boundaries, with each point's distance to them drawn.",
    "step3.loss": (
        "A function that measures error like this is a loss function. Its value measures the quality of a "
        "decision boundary indirectly: the best boundary is the one with the least loss. Two representative "
        "losses, on predictions p for targets y: the mean squared error MSE = mean((p - y)^2), and the "
        "cross-entropy CE = -mean(y ln p + (1 - y) ln(1 - p))."
    ),
    "step3.losses": (
        "Both losses grow when the predictions get worse. MSE is the usual choice when predicting numbers; "
        "cross-entropy when predicting probabilities of classes, where it punishes confident wrong answers "
        "the most. Which one to use depends on the task."
    ),
    # ------------------------------------------------------------------ step 4
    "step4.title": "Step 4. Gradient descent and the learning rate",
    "step4.rule": (
        "The loss is a function of the weights. Solving for the best weights directly becomes hopeless as "
        "their number grows, so we walk downhill instead: w' = w - alpha * dL/dw. A negative slope moves w "
        "up, a positive one moves it down, and as the slope flattens near the minimum the steps shrink: "
        "step size = learning rate x gradient."
    ),
    "step4.setup": (
        "One weight and one example: a neuron y' = w * x with x = {x:g} and target y = {y:g}, so "
        "L(w) = (w x - y)^2, smallest at w = {w_star:g}. Starting from w = {w0:g}, {steps} steps with each "
        "learning rate alpha:"
    ),
    "step4.small": "too small: still far away",
    "step4.good": "good: converges fast",
    "step4.oscillating": "large: oscillates, then settles",
    "step4.diverging": "too large: diverges",
    "step4.verdict": (
        "With alpha = {small:g} the steps are tiny and many more would be needed; alpha = {good:g} reaches the "
        "minimum in a few steps; alpha = {oscillating:g} overshoots, jumping from one side of the minimum to "
        "the other while it settles; alpha = {diverging:g} overshoots further every step and diverges. The "
        "right learning rate is found by trying several."
    ),
    "step4.plot": "The loss at every step, one curve per learning rate.",
    "step4.paths": "The path of w on the loss curve L(w) for each learning rate (the square is the start).",
    # ------------------------------------------------------------------ step 5
    "step5.title": "Step 5. Backpropagation",
    "step5.forward": (
        "The 2-2-1 network again, now with sigmoid neurons: {weights}. One example, x = ({x1:g}, {x2:g}) "
        "with y = {y:g}. Forward: z1 = w1 x1 + w2 x2 + b1 = {z1:.4f}, a1 = s(z1) = {a1:.4f}; "
        "z2 = w3 x1 + w4 x2 + b2 = {z2:.4f}, a2 = s(z2) = {a2:.4f}; z3 = w5 a1 + w6 a2 + b3 = {z3:.4f}, "
        "y' = s(z3) = {y_pred:.4f}; the loss L = (y' - y)^2 = {loss:.4f}."
    ),
    "step5.backward": (
        "A real network has far too many weights to differentiate the loss by hand for each. Backpropagation "
        "sends the error from the output back toward the input, the reverse of the forward pass: each node "
        "multiplies the gradient that arrives from above by its local derivative and passes the product to "
        "its inputs. These are the steps backward() takes:"
    ),
    "step5.chain": (
        "The weights nearest the output get their gradient first; each layer passed multiplies in one more "
        "local derivative. For w1 the chain rule is a product of five:\n"
        "  dL/dw1 = dL/dy' * dy'/dz3 * dz3/da1 * da1/dz1 * dz1/dw1\n"
        "         = 2(y' - y) * y'(1 - y') * w5 * a1(1 - a1) * x1\n"
        "         = ({f1:.6f}) * ({f2:.6f}) * ({f3:.6f}) * ({f4:.6f}) * ({f5:.6f})\n"
        "         = {product:.9f}\n"
        "backward() gave w1.grad = {grad:.9f}. gradcheck, differentiating the formula\n"
        "  L = {formula}\n"
        "numerically by central differences, gives {numeric:.9f} (they differ by {diff:.1e})."
    ),
    "step5.graph": "The graph after backward(): every node shows its value and its gradient dL/d(node).",
    "step5.html": "Backpropagation step by step: an offline player with a slider, captions and arrow keys.",
    "step5.gif": "The same steps as an animation.",
    "step5.frames": "The DOT text of every frame of the player, to render once Graphviz is installed.",
    "step5.no_player": "(The player and the animation need Graphviz; the steps above are the same, in text.)",
    "step5.summary": (
        "Backward took {n_steps} steps, one per node that has inputs, from L back to the first layer. "
        "Every weight then moves by gradient descent, which is what the last step does, again and again."
    ),
    # ------------------------------------------------------------------ step 6
    "step6.title": "Step 6. Training the network on XOR",
    "step6.setup": (
        "Training repeats step 5 for all four rows of XOR: forward, the mean squared error, backward, and "
        "w <- w - alpha * dL/dw for all nine weights and biases; {epochs} times with alpha = {lr:g}, starting "
        "from the weights of step 5."
    ),
    "step6.result": "The loss fell from {first:.4f} to {last:.6f}. The trained network on every row:",
    "step6.verdict": (
        "y' rounds to y in {correct} of {total} rows: gradient descent found weights for XOR by itself. "
        "The decision boundary shows how: the two hidden neurons each draw a line, and the output neuron "
        "combines them into a region no single line could make."
    ),
    "step6.loss_plot": "The loss at every epoch.",
    "step6.boundary_plot": "The decision boundary of the trained network, with the four XOR points.",
}
