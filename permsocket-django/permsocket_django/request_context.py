"""RequestContext: what an action method knows about its call, as the Node engine's handler
context (`ctx.key`, `ctx.requestId`, `ctx.user` there)."""


class RequestContext:
    """Passed as the second argument to an action method that takes one
    (`def send(self, payload, ctx)`).

    - `key`: the request's key (a string of 1-64 characters, the same on every re-send of this
      request) or None when the client sent none. Store it with a durable effect, in the same
      transaction and under a unique constraint on (user, key), and answer a repeat from there:
      the key window in memory or Redis does not survive the loss of every process.
    - `request_id`: the request's id, unique among this connection's requests in flight (a
      re-send has a new one, so never store it).
    - `action`: the contract action's name.
    - `user`: the signed-in user the request was checked for.
    - `key_handled()`: says the method stored `key` with its effect and answers a repeat itself;
      the key window then keeps no copy of this answer (a repeat while this run goes still waits
      for it). The Node engine's `keyHandled()`. Saves the window's memory for large answers.
    """

    __slots__ = ("key", "request_id", "action", "user", "handled")

    def __init__(self, key, request_id, action, user):
        self.key = key
        self.request_id = request_id
        self.action = action
        self.user = user
        self.handled = False

    def key_handled(self):
        """The method stored the key with its effect: keep no copy of its answer in the window."""
        self.handled = True

    def __repr__(self):
        return f"RequestContext(action={self.action!r}, request_id={self.request_id!r}, key={self.key!r})"
