"""A correct LSTM in the style of Deep Learning from Scratch 2's TimeLSTM: the weights stacked
in the book's gate order f, g, i, o; the input projections of every step computed at once
with np.tensordot before the loop; backpropagation through time collects the pre-activation
gradients of every step and forms dW, dU and db once, at the end, with np.einsum. The
sigmoid clips z at -700, where exp stays finite and sigmoid is below 1e-304 anyway."""
import numpy as np

BOOK_ORDER = ("f", "g", "i", "o")


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -700.0, None)))


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(np.matmul(x, W_f) + np.matmul(h_prev, U_f) + b_f)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(np.matmul(x, W_i) + np.matmul(h_prev, U_i) + b_i)


def candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(np.matmul(x, W_g) + np.matmul(h_prev, U_g) + b_g)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(np.matmul(x, W_o) + np.matmul(h_prev, U_o) + b_o)


def cell_update(c_prev, f, i, g):
    return f * c_prev + i * g


def hidden_state(c, o):
    return o * np.tanh(c)


def stack(params):
    Wx = np.hstack([params["W_" + k] for k in BOOK_ORDER])
    Wh = np.hstack([params["U_" + k] for k in BOOK_ORDER])
    b = np.hstack([params["b_" + k] for k in BOOK_ORDER])
    return Wx, Wh, b


def activations(A):
    """The four gates from the stacked pre-activations A (..., 4H), in the book's order."""
    H = A.shape[-1] // 4
    f = sigmoid(A[..., :H])
    g = np.tanh(A[..., H:2 * H])
    i = sigmoid(A[..., 2 * H:3 * H])
    o = sigmoid(A[..., 3 * H:])
    return f, g, i, o


def recurrent_step(xWx_t, h_prev, c_prev, Wh):
    f, g, i, o = activations(xWx_t + np.matmul(h_prev, Wh))
    c_next = f * c_prev + g * i
    h_next = o * np.tanh(c_next)
    return h_next, c_next, (h_prev, c_prev, f, g, i, o, c_next)


def lstm_cell_forward(x, h_prev, c_prev, params):
    Wx, Wh, b = stack(params)
    h_next, c_next, step = recurrent_step(np.matmul(x, Wx) + b, h_prev, c_prev, Wh)
    return h_next, c_next, {"x": x, "Wx": Wx, "Wh": Wh, "step": step}


def lstm_forward(x, h0, c0, params):
    Wx, Wh, b = stack(params)
    N, T, _ = x.shape
    H = Wh.shape[0]
    xWx = np.tensordot(x, Wx, axes=([2], [0])) + b  # every step's input projection, (N, T, 4H)
    hs = np.empty((N, T, H), dtype=np.float64)
    cs = np.empty((N, T, H), dtype=np.float64)
    steps = []
    h_t, c_t = h0, c0
    for t in range(T):
        h_t, c_t, step = recurrent_step(xWx[:, t, :], h_t, c_t, Wh)
        hs[:, t, :] = h_t
        cs[:, t, :] = c_t
        steps.append(step)
    return hs, cs, {"x": x, "Wx": Wx, "Wh": Wh, "steps": steps}


def sigmoid_backward(ds, s):
    return ds * (s - s * s)


def tanh_backward(dt, t):
    return dt - dt * t * t


def hidden_state_backward(dh, c, o):
    tanh_c = np.tanh(c)
    return dh * o * (1.0 - tanh_c * tanh_c), dh * tanh_c


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    dx = np.einsum("nh,dh->nd", dz, W)
    dh_prev = np.einsum("nh,kh->nk", dz, U)
    dW = np.einsum("nd,nh->dh", x, dz)
    dU = np.einsum("nk,nh->kh", h_prev, dz)
    db = np.einsum("nh->h", dz)
    return dx, dh_prev, dW, dU, db


def recurrent_step_backward(dh_next, dc_next, step):
    """dA, the gradient of the stacked pre-activations, and dc_prev."""
    h_prev, c_prev, f, g, i, o, c_next = step
    tanh_c = np.tanh(c_next)
    ds = dc_next + (dh_next * o) * (1 - tanh_c ** 2)
    dA = np.hstack((ds * c_prev * f * (1 - f), ds * i * (1 - g ** 2),
                    ds * g * i * (1 - i), dh_next * tanh_c * o * (1 - o)))
    return dA, ds * f


def split_grads(dWx, dWh, db):
    H = dWh.shape[0]
    grads = {}
    for index, k in enumerate(BOOK_ORDER):
        part = slice(index * H, (index + 1) * H)
        grads["W_" + k], grads["U_" + k], grads["b_" + k] = dWx[:, part], dWh[:, part], db[part]
    return grads


def lstm_cell_backward(dh, dc, cache):
    step = cache["step"]
    dA, dc_prev = recurrent_step_backward(dh, dc, step)
    dx = np.matmul(dA, cache["Wx"].T)
    dh_prev = np.matmul(dA, cache["Wh"].T)
    grads = split_grads(np.matmul(cache["x"].T, dA), np.matmul(step[0].T, dA), dA.sum(axis=0))
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    x, Wx, Wh, steps = cache["x"], cache["Wx"], cache["Wh"], cache["steps"]
    N, T, H = dh.shape
    dA_all = np.zeros((N, T, 4 * H))
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dA, dc_next = recurrent_step_backward(dh[:, t, :] + dh_next, dc_next, steps[t])
        dA_all[:, t, :] = dA
        dh_next = np.matmul(dA, Wh.T)
    h_prevs = np.stack([step[0] for step in steps], axis=1)  # (N, T, H): the h each step read
    dWx = np.einsum("ntd,ntk->dk", x, dA_all)
    dWh = np.einsum("nth,ntk->hk", h_prevs, dA_all)
    db = dA_all.sum(axis=(0, 1))
    dx = np.einsum("ntk,dk->ntd", dA_all, Wx)
    return dx, dh_next, dc_next, split_grads(dWx, dWh, db)
