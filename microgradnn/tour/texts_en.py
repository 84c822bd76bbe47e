"""The tour's texts in English. Keys are shared with texts_ko.py; {names} are filled with the actual numbers.

Keys start with the step's `KEY` (forward, loss, descent, no_gradient,
backprop, topo, training), so a step keeps its texts when steps are added or
moved. A caption (`*.graph`, `*.plot`, ...) quotes only numbers its picture shows.
"""

TEXTS: dict[str, str] = {
    # ------------------------------------------------------------------ general
    "page.title": "microgradnn tour: how a neural network learns",
    "page.intro": (
        "The chapter step by step, from a network wired by hand to one that learns by backpropagation. "
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
    "start": "The microgradnn tour: the chapter in {n} steps. Pictures go to {out}",
    "done": "Done in {seconds:.1f} s. Open {index} in a browser to see every step with its pictures.",
    "step.heading": "Step {n}. {title}",
    # ------------------------------------------------------------------ forward pass
    "forward.title": "A hand-wired network classifies XOR",
    "forward.network": (
        "XOR outputs 1 when exactly one of its two inputs is 1. No single straight line separates the points "
        "labelled 0 from those labelled 1, so the network has a hidden layer: inputs x1, x2 -> two hidden "
        "neurons a1, a2 -> one output y'. Each neuron computes f(w . x + b) with the step function "
        "f(z) = 1 if z >= 0 else 0.\n"
        "The weights are set by hand: a1 = step(x1 + x2 - 1.5) is AND, a2 = step(x1 + x2 - 0.5) is OR, and "
        "y' = step(-1*a1 + 1*a2 - 0.5) is 'OR but not AND', which is XOR."
    ),
    "forward.network_plot": (
        "The network as the chapter draws it: inputs x1, x2, hidden neurons a1, a2, output y', and a weight on "
        "every edge: w1 = {w1}, w2 = {w2}, w3 = {w3}, w4 = {w4} into the hidden layer, w5 = {w5} and w6 = {w6} "
        "into y'; the biases are b1 = {b1}, b2 = {b2}, b3 = {b3}."
    ),
    "forward.rows": "The forward pass for every row: first a1 and a2, then y' from them.",
    "forward.result": (
        "y' equals y in {correct} of {total} rows: with the right weights the network classifies the data."
    ),
    "forward.graph": (
        "The same forward pass as a computation graph, for x = ({x1}, {x2}): every number is a node. Each neuron "
        "is a 'dot' node (w . x + b) followed by its step: z1 = {z1} gives a1 = {a1}, z2 = {z2} gives a2 = {a2}, "
        "and z3 = {z3} gives y' = {y_pred}. Values only: gradients come later."
    ),
    "forward.question": (
        "We found these weights by thinking about AND and OR. How do we find weights for data too complex to "
        "reason about? The next steps answer that: a loss that measures the error, and gradients that reduce it."
    ),
    # ------------------------------------------------------------------ loss functions
    "loss.title": "A loss function tells which weights are better",
    "loss.lines": (
        "Two straight decision boundaries both separate the same {n} points: line A, {line_a}, and line B, "
        "{line_b}. Which one is better? Take each point's distance to the line as its error:"
    ),
    "loss.compare": (
        "The mean of the squared distances is {msd_a:.4f} for line A and {msd_b:.4f} for line B, so line "
        "{better} is the better boundary by this measure: its loss is smaller."
    ),
    "loss.plot": (
        "Both boundaries, with each point's distance to them drawn; the mean squared distance is {msd_a:.3f} for "
        "line A and {msd_b:.3f} for line B."
    ),
    "loss.margin": (
        "A caveat: the distance counts every point as an error, even one on the right side. Line B's largest "
        "distance, {far_distance:.3f} (squared {far_squared:.3f}), belongs to the point {far_point}, which is on "
        "the right side and far from the line, exactly where we want it. What should count is being on the "
        "wrong side or too close to the line (within the margin). Cross-entropy does that: with "
        "p = sigmoid(signed distance) as the probability of class 1, the point {far_point} costs only "
        "{far_ce:.3f}, and the most expensive point is {worst_point}, just {worst_distance:.3f} from line B, at "
        "{worst_ce:.3f}. By cross-entropy line A still wins, {ce_a:.4f} against {ce_b:.4f}."
    ),
    "loss.loss": (
        "A function that measures error like this is a loss function. Its value measures the quality of a "
        "decision boundary indirectly: the best boundary is the one with the least loss. Two representative "
        "losses, on predictions p for targets y: the mean squared error MSE = mean((p - y)^2), and the "
        "cross-entropy CE = -mean(y ln p + (1 - y) ln(1 - p))."
    ),
    "loss.line": "line {name}",
    "loss.ce": "cross-entropy",
    "loss.good": "p (good)",
    "loss.poor": "p (poor)",
    "loss.losses": (
        "Both losses grow when the predictions get worse. MSE is the usual choice when predicting numbers; "
        "cross-entropy when predicting probabilities of classes, where it punishes confident wrong answers "
        "the most. Which one to use depends on the task."
    ),
    # ------------------------------------------------------------------ gradient descent
    "descent.title": "Gradient descent and the learning rate",
    "descent.rule": (
        "The loss is a function of the weights. Solving for the best weights directly becomes hopeless as "
        "their number grows, so we walk downhill instead: w' = w - alpha * dL/dw. A negative slope moves w "
        "up, a positive one moves it down, and as the slope flattens near the minimum the steps shrink: "
        "step size = learning rate x gradient."
    ),
    "descent.setup": (
        "One weight and one example: a neuron y' = w * x with x = {x:g} and target y = {y:g}, so "
        "L(w) = (w x - y)^2, smallest at w = {w_star:g}. Starting from w = {w0:g}, {steps} steps with each "
        "learning rate alpha:"
    ),
    "descent.small": "too small: still far away",
    "descent.good": "good: converges fast",
    "descent.oscillating": "large: oscillates, then settles",
    "descent.diverging": "too large: diverges",
    "descent.verdict": (
        "With alpha = {small:g} the steps are tiny and many more would be needed; alpha = {good:g} reaches the "
        "minimum in a few steps; alpha = {oscillating:g} overshoots, jumping from one side of the minimum to "
        "the other while it settles; alpha = {diverging:g} overshoots further every step and diverges. The "
        "right learning rate is found by trying several."
    ),
    "descent.plot": (
        "The loss at every step, one curve per learning rate: {small:g}, {good:g}, {oscillating:g} and {diverging:g}."
    ),
    "descent.paths": (
        "The path of w on the loss curve L(w) for alpha = {small:g}, {good:g}, {oscillating:g} and {diverging:g}; "
        "the square is the start, w = {w0:g}, the dotted line the minimum, w = {w_star:g}."
    ),
    # ------------------------------------------------------------------ curvature
    "curvature.title": "Curvature and the learning rate",
    "curvature.second": (
        "Why did alpha = {oscillating:g} settle and {diverging:g} diverge? The answer is the curvature, the "
        "second derivative. microgradnn differentiates the gradient itself (grad(..., create_graph=True) "
        "keeps the gradient as a graph): at w = {w0:g} the slope is L' = {slope:g} and the curvature is "
        "L'' = {curvature:g} (= 2 x^2 with x = {x:g}, the same everywhere for this loss). Each step "
        "multiplies the distance to the minimum by 1 - alpha L'': it shrinks steadily for "
        "alpha < 1 / L'' = {half:g}, flips sign but still shrinks up to 2 / L'' = {limit:g}, and grows beyond."
    ),
    "curvature.newton": (
        "Newton's step divides the slope by the curvature instead of multiplying it by a learning rate: "
        "w - L' / L'' = {w0:g} - ({slope:g}) / {curvature:g} = {newton:g}, the minimum w = {w_star:g} in one step "
        "(exact for a quadratic loss)."
    ),
    "curvature.plot": (
        "How much each step shrinks the distance to the minimum, |1 - alpha L''|, for every alpha: below 1 it "
        "converges; the dashed lines are 1 / L'' = {half:g} (oscillation begins) and 2 / L'' = {limit:g} "
        "(divergence begins)."
    ),
    "curvature.title_plot": "Curvature sets the largest learning rate",
    "curvature.ylabel": "distance factor |1 - alpha L''|",
    "curvature.hessian": (
        "A network has many weights, so its curvature is a matrix, the Hessian: all the second derivatives of "
        "the loss. For the XOR loss of the 2-2-1 sigmoid network at the starting weights of the "
        "backpropagation step, the {n} x {n} Hessian has largest eigenvalue {top:.4f}: along that most curved "
        "direction a step overshoots, and the loss grows, once alpha > 2 / {top:.4f} = {limit:.1f}; training uses "
        "alpha = {lr:g}. {negative} of its {n} eigenvalues are negative: in those directions the loss curves down, "
        "not up, so the start is not at the bottom of a bowl, and gradient descent rolls away from it downhill "
        "whatever alpha is. The curvature changes as training moves the weights."
    ),
    # ------------------------------------------------------------------ no gradient through the step
    "no_gradient.title": "Why the step network cannot learn",
    "no_gradient.need": (
        "Gradient descent needs dL/dw for every weight. Take the step network again, now with weights that "
        "get XOR wrong:"
    ),
    "no_gradient.wrong": (
        "{wrong} of the {total} rows are wrong. The loss, the mean over the rows of (y' - y)^2, is "
        "L = ({losses}) / {total} = {loss:.4f}. backward() on the step network gives these gradients:"
    ),
    "no_gradient.zero": (
        "Every gradient is 0. The step function is flat on both sides of 0, so its local derivative is 0 "
        "(and at 0 it has none; we use 0). The chain rule multiplies every path from L to a weight by that 0: "
        "the loss says the network is wrong, but not which way to move. Gradient descent is stuck."
    ),
    "no_gradient.row": (
        "Where does the gradient stop? Look at one wrong row, x = ({x1:g}, {x2:g}) with y = {y:g}. Its own loss "
        "is L = {L:g}; the {mean:g} above is the mean over all the rows."
    ),
    "no_gradient.graph": (
        "That row after backward(): L = {L:g}. The gradient reaches y' (dL/dy' = {grad_y_pred:g}) and y "
        "(dL/dy = {grad_y:g}), but the step's local derivative is {step_local:g}, so dL/dz3 = {grad_z3:g}, "
        "and so is the gradient of every node before it: a1, a2 and all nine weights and biases."
    ),
    "no_gradient.sigmoid": (
        "Replace the step by the sigmoid s(z) = 1 / (1 + e^-z), a smooth step whose slope "
        "s'(z) = s(z)(1 - s(z)) is never 0. Same weights, same data: L = {loss:.4f}, and now the "
        "gradients are not 0, so gradient descent knows where to go:"
    ),
    "no_gradient.plot": (
        "step and sigmoid (solid) with their derivatives (dashed): the step's slope is 0 everywhere, the "
        "sigmoid's is never 0 and largest at z = 0, where it is {top:g}."
    ),
    # ------------------------------------------------------------------ backpropagation
    "backprop.title": "Backpropagation",
    "backprop.forward": (
        "The 2-2-1 network again, now with sigmoid neurons: {weights}. One example, x = ({x1:g}, {x2:g}) "
        "with y = {y:g}. Forward: z1 = w1 x1 + w2 x2 + b1 = {z1:.4f}, a1 = s(z1) = {a1:.4f}; "
        "z2 = w3 x1 + w4 x2 + b2 = {z2:.4f}, a2 = s(z2) = {a2:.4f}; z3 = w5 a1 + w6 a2 + b3 = {z3:.4f}, "
        "y' = s(z3) = {y_pred:.4f}; the error e = y' - y and the loss L = e^2 = (y' - y)^2 = {loss:.4f}."
    ),
    "backprop.backward": (
        "A real network has far too many weights to differentiate the loss by hand for each. Backpropagation "
        "sends the error from the output back toward the input, the reverse of the forward pass: each node "
        "multiplies the gradient that arrives from above by its local derivative and passes the product to "
        "its inputs. These are the steps backward() takes:"
    ),
    "backprop.chain": (
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
    "backprop.graph": (
        "The graph after backward(): every node shows its value and its gradient dL/d(node), every edge its "
        "local derivative. L = {loss:.4f}, dL/dy' = {grad_y_pred:.4f}, and in w1's box dL/dw1 = {grad_w1:.4f}, "
        "the product above."
    ),
    "backprop.player_title": "Backpropagation, step by step",
    "backprop.html": (
        "Backpropagation step by step, on the network as the chapter draws it and on the computation graph: "
        "an offline player with a slider, captions and arrow keys."
    ),
    "backprop.network_plot": (
        "The network as the chapter draws it, after backward(): every edge shows its weight and its gradient; "
        "dL/dw1 = {grad_w1:.4f} on the edge from x1 to a1."
    ),
    "backprop.gif": "The same steps as an animation, on the network as the chapter draws it.",
    "backprop.frames": "The DOT text of every frame of the player, to render once Graphviz is installed.",
    "backprop.no_player": "(The player and the animation need Graphviz; the steps above are the same, in text.)",
    "backprop.summary": (
        "Backward took {n_steps} steps, one per node that has inputs, from L back to the first layer. "
        "Every weight then moves by gradient descent, which is what training does, again and again."
    ),
    # ------------------------------------------------------------------ why reverse topological order
    "topo.title": "Why backward goes in reverse topological order",
    "topo.question": (
        "Why does backward() first sort the graph? A natural first try is plain recursion: a node adds its "
        "gradient times the local derivative to each input and recurses into that input at once. It is right "
        "on a chain, and wrong as soon as a node is used twice or two paths meet again."
    ),
    "topo.reused": (
        "a = 1; b = a + a; c = b + b, so c = 4a. The recursion enters b twice (c lists it twice) and each time "
        "passes on all the gradient b has so far: it gives dc/db = {naive_b:g}, dc/da = {naive_a:g}. "
        "backward() gives dc/db = {b:g} and dc/da = {a:g}, as c = 4a says."
    ),
    "topo.reused_graph": (
        "a = 1; b = a + a; c = b + b after backward(): dc/dc = {c:g}, dc/db = {b:g}, dc/da = {a:g}; every "
        "edge carries the local derivative 1, and a and b are each used twice."
    ),
    "topo.diamond": (
        "A diamond: x = 1; a = 2x; b = 3a; c = 4a; d = b + c. Two paths from d meet again at a. The recursion "
        "reaches a from b while a holds only b's share, 3, and passes that to x; then from c, when a holds "
        "3 + 4 = 7, and passes all 7 again: dd/da = {naive_a:g} but dd/dx = {naive_x:g}. backward() gives "
        "dd/da = {a:g} and dd/dx = {x:g} (= 7 x 2)."
    ),
    "topo.diamond_graph": (
        "The diamond after backward(): dd/db = {b:g}, dd/dc = {c:g}, dd/da = {a:g} = 3 + 4, dd/dx = {x:g} = 2 x 7."
    ),
    "topo.order": (
        "backward() sorts the nodes so that every node comes after all the nodes that use it, and visits them "
        "in that order, each exactly once, when all of its gradient has arrived. For the diamond: {order}."
    ),
    "topo.plot": (
        "The naive recursion (red) against backward() (green): dc/da = {naive_a:g} instead of {a:g}, and "
        "dd/dx = {naive_x:g} instead of {x:g}."
    ),
    "topo.legend_naive": "naive recursion (wrong)",
    "topo.legend_ours": "backward() (reverse topological order)",
    # ------------------------------------------------------------------ training
    "training.title": "Training the network on XOR",
    "training.setup": (
        "Training repeats backpropagation for all four rows of XOR: forward, the mean squared error, backward, "
        "and w <- w - alpha * dL/dw for all nine weights and biases; {epochs} times with alpha = {lr:g}, "
        "starting from the weights of the backpropagation step."
    ),
    "training.result": "The loss fell from {first:.4f} to {last:.6f}. The trained network on every row:",
    "training.verdict": (
        "y' rounds to y in {correct} of {total} rows: gradient descent found weights for XOR by itself. "
        "The decision boundary shows how: the two hidden neurons each draw a line, and the output neuron "
        "combines them into a region no single line could make."
    ),
    "training.loss_plot": "The loss and the accuracy at every epoch.",
    "training.boundary_title": "XOR after training",
    "training.lines_title": "hidden neurons' lines (a = 0.5)",
    "descent.start": "start w = {w0:g}",
    "descent.minimum": "minimum w = {w_star:g}",
    "training.boundary_plot": (
        "The decision boundary of the trained network (solid), with the four XOR points and the two hidden "
        "neurons' lines (dashed), where a1 and a2 are one half: a1: {line1}; a2: {line2}."
    ),
}
