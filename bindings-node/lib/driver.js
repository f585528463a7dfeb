'use strict'
// The event-loop driver: runs a protocol machine's loop for each call on Node's event loop. The machine (the
// Rust core, reached through synchronous napi calls) decides everything; this file performs what it asks —
// an HTTP exchange with Node's own client, the app's `loginCode` hook, a wait — and feeds the outcome back:
//
//   start → next → perform the action → feed its outcome → next → … → done
//
// Each call has one timer, set to the call's deadline at its first action and cleared when it ends; when it
// fires, the machine ends the call (601 `timeout`) and whatever the call was doing is abandoned (a request's
// connection is closed). An `AbortSignal` cancels the call in the machine and closes its connection. A call
// parked behind another call's login or token fetch goes on when the machine says so (`pollOutput`).

/** The words of a hook's failure. */
function reason(error) {
  return error && error.message ? error.message : String(error)
}

/** What a parked call or a call waiting for a hook holds instead of a request: nothing to close. */
const NOTHING = { destroy() {} }

/** Drives the calls of one machine. */
class Driver {
  /**
   * `machine`: a `NativeMachine` or `NativeWeChatMachine`; `transport`: a `Transport`; `hooks`: the host's
   * `loginCode()` (a string or a promise of one) and `fetchToken(forceRefresh)` (a promise of `{accessToken,
   * expiresIn}`), each optional.
   */
  constructor(machine, transport, hooks = {}) {
    this.machine = machine
    this.transport = transport
    this.hooks = hooks
    this.parked = new Map()
    this.waking = false
  }

  /**
   * Drives the started call `id` to its end: resolves to `convert(resultJson)`, or rejects with `fail(fields)`
   * (the core's error fields). `signal` cancels it; an already aborted signal sends nothing.
   */
  run(id, convert, fail, signal) {
    return new Promise((resolve, reject) => {
      const call = { id, convert, fail, resolve, reject, timer: null, pending: null, ended: false, signal, onAbort: null }
      if (signal) {
        if (signal.aborted) return this.cancel(call)
        call.onAbort = () => this.cancel(call)
        signal.addEventListener('abort', call.onAbort, { once: true })
      }
      this.step(call)
      this.wake()
    })
  }

  /** Asks for the call's next actions and performs them until one has to wait for I/O, a timer or another call. */
  step(call) {
    const machine = this.machine
    for (;;) {
      const action = machine.next(call.id)
      if (call.timer === null && action.deadlineInMs !== undefined && action.deadlineInMs !== null) {
        call.timer = setTimeout(expire, action.deadlineInMs, this, call)
      }
      switch (action.kind) {
        case 'send':
          this.send(call, action)
          return
        case 'loginCode':
          if (!this.hooks.loginCode) {
            machine.onLoginCode(call.id, undefined, undefined)
            continue
          }
          this.await(call, Promise.resolve().then(this.hooks.loginCode).then(checkCode), (code) =>
            machine.onLoginCode(call.id, code, undefined), (e) => machine.onLoginCode(call.id, undefined, `loginCode hook failed: ${reason(e)}`))
          return
        case 'checkOffline':
          // Node has no host network state: a failed exchange is never "offline" (601, not 600).
          machine.onOffline(call.id, false)
          continue
        case 'fetchToken':
          if (!this.hooks.fetchToken) {
            machine.onToken(call.id, undefined, undefined, undefined)
            continue
          }
          this.await(call, Promise.resolve(action.forceRefresh).then(this.hooks.fetchToken), (token) =>
            machine.onToken(call.id, token.accessToken, token.expiresIn, undefined), (e) => machine.onToken(call.id, undefined, undefined, reason(e)))
          return
        case 'sleep': {
          const pending = { timer: null, destroy() { clearTimeout(this.timer) } }
          pending.timer = setTimeout(() => this.resume(call, pending, null), action.sleepMs)
          call.pending = pending
          return
        }
        case 'wait':
          call.pending = NOTHING
          this.parked.set(call.id, call)
          return
        default:
          this.finish(call, action)
          return
      }
    }
  }

  /** Sends the call's request and feeds back its answer or failure. */
  send(call, action) {
    const machine = this.machine
    const req = this.transport.send(
      action,
      (status, rawHeaders, body) => this.resume(call, req, () => machine.onResponse(call.id, status, rawHeaders, body)),
      (kind, message, limit) => this.resume(call, req, () => machine.onTransportError(call.id, kind, message, limit)),
    )
    call.pending = req
  }

  /** Waits for a hook's promise, then feeds its value (`fed`) or its failure (`failed`). */
  await(call, promise, fed, failed) {
    const pending = { destroy() {} }
    call.pending = pending
    promise.then(
      (value) => this.resume(call, pending, () => fed(value)),
      (error) => this.resume(call, pending, () => failed(error)),
    )
  }

  /** The outcome of `pending` arrived: feed it (unless the call moved on: deadline, cancel) and go on. */
  resume(call, pending, feed) {
    if (call.pending !== pending || call.ended) return
    call.pending = null
    if (feed) feed()
    this.step(call)
    this.wake()
  }

  /** Steps every parked call the machine says can go on, until it names none. */
  wake() {
    if (this.waking) return
    this.waking = true
    try {
      for (let ids = this.machine.pollOutput(); ids; ids = this.machine.pollOutput()) {
        for (const id of ids) {
          const call = this.parked.get(id)
          if (call === undefined) continue
          this.parked.delete(id)
          call.pending = null
          this.step(call)
        }
      }
    } finally {
      this.waking = false
    }
  }

  /** The call's own `done`: resolve or reject it. */
  finish(call, action) {
    this.end(call)
    if (action.error) {
      call.reject(call.fail(action.error))
      return
    }
    let value
    try {
      value = call.convert(action.result)
    } catch (e) {
      call.reject(e)
      return
    }
    call.resolve(value)
  }

  /** The caller aborted: the machine forgets the call, its request's connection is closed. */
  cancel(call) {
    if (call.ended) return
    const fields = this.machine.cancel(call.id)
    this.end(call)
    call.reject(call.fail(fields))
    this.wake()
  }

  /** Lets go of everything the call holds: its timer, its request or hook, its place among parked calls. */
  end(call) {
    call.ended = true
    if (call.timer !== null) clearTimeout(call.timer)
    call.timer = null
    if (call.pending !== null) call.pending.destroy()
    call.pending = null
    this.parked.delete(call.id)
    if (call.onAbort) call.signal.removeEventListener('abort', call.onAbort)
  }
}

/** The call's deadline timer fired: the machine ends it (or, leading a login, ends the login for its waiters). */
function expire(driver, call) {
  call.timer = null
  if (call.ended) return
  if (call.pending !== null) call.pending.destroy()
  call.pending = null
  driver.parked.delete(call.id)
  driver.machine.onDeadline(call.id)
  driver.step(call)
  driver.wake()
}

/** A `loginCode` hook must give a string. */
function checkCode(code) {
  if (typeof code !== 'string') {
    throw new TypeError(`loginCode must resolve to a string, got ${code === null ? 'null' : typeof code}`)
  }
  return code
}

module.exports = { Driver }
