'use strict'
// The event-loop driver: runs a protocol machine's loop for each call on Node's event loop. The machine (the
// Rust core, reached through synchronous napi calls) decides everything; this file performs what it asks —
// an HTTP exchange with Node's own client, the app's `loginCode` hook, a wait — and feeds the outcome back:
//
//   start → action → perform it → feed its outcome → next action → … → DONE
//
// Starting a call and feeding an outcome both answer the call's next action (as JSON text: one `JSON.parse`
// makes the whole action), so a plain invoke is two calls into Rust. Each call has one timer, set to the call's deadline at its first action and cleared when it
// ends; when it fires, the machine ends the call (601 `timeout`) and whatever the call was doing is abandoned
// (a request's connection is closed). An `AbortSignal` cancels the call in the machine and closes its
// connection. A call parked behind another call's login or token fetch (`WAIT`) goes on when an action's
// `wake` names it (or `pollOutput`, after a cancel).

// What an action asks for: the numbers of `src/step.rs` (`kind`).
const SEND = 1
const LOGIN_CODE = 2
const CHECK_OFFLINE = 3
const FETCH_TOKEN = 4
const SLEEP = 5
const WAIT = 6

/** The words of a hook's failure. */
function reason(error) {
  return error && error.message ? error.message : String(error)
}

/** What a parked call holds instead of a request: nothing to close. */
const PARKED = { destroy() {} }

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
    this.woken = []
    this.waking = false
  }

  /**
   * Drives a call from the first action its start answered (JSON text) to its end: resolves to
   * `convert(result)`, or rejects with `fail(fields)` (the core's error fields). `signal` cancels it; an already
   * aborted signal sends nothing.
   */
  run(firstJson, convert, fail, signal) {
    const first = JSON.parse(firstJson)
    return new Promise((resolve, reject) => {
      const call = { id: first.call, convert, fail, resolve, reject, timer: null, pending: null, ended: false, signal, onAbort: null }
      if (signal) {
        if (signal.aborted && first.call !== undefined) {
          this.take(first)
          return this.cancel(call)
        }
        call.onAbort = () => this.cancel(call)
        signal.addEventListener('abort', call.onAbort, { once: true })
      }
      this.perform(call, first)
      this.wake()
    })
  }

  /** Performs the call's action, and the ones the machine answers at once, until one waits for I/O or time. */
  perform(call, action) {
    const machine = this.machine
    for (;;) {
      this.take(action)
      if (call.timer === null && action.deadlineInMs != null) {
        call.timer = setTimeout(expire, action.deadlineInMs, this, call)
      }
      switch (action.kind) {
        case SEND:
          call.pending = this.transport.send(action, this, call)
          return
        case LOGIN_CODE:
          if (!this.hooks.loginCode) {
            action = JSON.parse(machine.onLoginCode(call.id, undefined, undefined))
            continue
          }
          this.await(
            call,
            Promise.resolve().then(this.hooks.loginCode).then(checkCode),
            (code) => machine.onLoginCode(call.id, code, undefined),
            (error) => machine.onLoginCode(call.id, undefined, `loginCode hook failed: ${reason(error)}`),
          )
          return
        case CHECK_OFFLINE:
          // Node has no host network state: a failed exchange is never "offline" (601, not 600).
          action = JSON.parse(machine.onOffline(call.id, false))
          continue
        case FETCH_TOKEN:
          if (!this.hooks.fetchToken) {
            action = JSON.parse(machine.onToken(call.id, undefined, undefined, undefined))
            continue
          }
          this.await(
            call,
            Promise.resolve(action.forceRefresh).then(this.hooks.fetchToken),
            (token) => machine.onToken(call.id, token.accessToken, token.expiresIn, undefined),
            (error) => machine.onToken(call.id, undefined, undefined, reason(error)),
          )
          return
        case SLEEP: {
          const pending = { timer: null, destroy: () => clearTimeout(pending.timer) }
          pending.timer = setTimeout(() => this.resume(call, pending, () => machine.next(call.id)), action.sleepMs)
          call.pending = pending
          return
        }
        case WAIT:
          call.pending = PARKED
          this.parked.set(call.id, call)
          return
        default:
          this.finish(call, action)
          return
      }
    }
  }

  /** Keeps the parked calls an action says can go on, for `wake`. */
  take(action) {
    if (action.wake) this.woken.push(...action.wake)
  }

  /** The answer to the call's request `req` (from the transport; `rawHeaders`: names and values joined with `\n`). */
  answered(call, req, status, rawHeaders, body) {
    if (call.pending !== req || call.ended) return
    call.pending = null
    this.perform(call, JSON.parse(this.machine.onResponse(call.id, status, rawHeaders, body)))
    this.wake()
  }

  /** The failure of the call's request `req` (from the transport). */
  failed(call, req, kind, message, limit) {
    if (call.pending !== req || call.ended) return
    call.pending = null
    this.perform(call, JSON.parse(this.machine.onTransportError(call.id, kind, message, limit)))
    this.wake()
  }

  /** Waits for a hook's promise, then feeds its value (`fed`) or its failure (`failed`); each answers the next action. */
  await(call, promise, fed, failed) {
    const pending = { destroy() {} }
    call.pending = pending
    promise.then(
      (value) => this.resume(call, pending, () => fed(value)),
      (error) => this.resume(call, pending, () => failed(error)),
    )
  }

  /** What the call waited for (`pending`) is here: feed it (unless the call moved on: deadline, cancel) and go on. */
  resume(call, pending, feed) {
    if (call.pending !== pending || call.ended) return
    call.pending = null
    this.perform(call, JSON.parse(feed()))
    this.wake()
  }

  /** Goes on with every parked call the machine said can go on, until it names none. */
  wake() {
    if (this.waking || this.woken.length === 0) return
    this.waking = true
    try {
      for (let i = 0; i < this.woken.length; i++) {
        const call = this.parked.get(this.woken[i])
        if (call === undefined) continue
        this.parked.delete(call.id)
        call.pending = null
        this.perform(call, JSON.parse(this.machine.next(call.id)))
      }
    } finally {
      this.woken.length = 0
      this.waking = false
    }
  }

  /** The call's `DONE`: resolve or reject it. */
  finish(call, action) {
    this.end(call)
    if (action.error) call.reject(call.fail(action.error))
    else call.resolve(call.convert(action.result))
  }

  /** The caller aborted: the machine forgets the call, its request's connection is closed. */
  cancel(call) {
    if (call.ended) return
    const fields = this.machine.cancel(call.id)
    const woken = this.machine.pollOutput()
    if (woken) this.woken.push(...woken)
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

/** The call's deadline timer fired: the machine ends it (and, if it led a login, the login for its waiters). */
function expire(driver, call) {
  call.timer = null
  if (call.ended) return
  if (call.pending !== null) call.pending.destroy()
  call.pending = null
  driver.parked.delete(call.id)
  driver.perform(call, JSON.parse(driver.machine.onDeadline(call.id)))
  driver.wake()
}

/** A `loginCode` hook must give a string. */
function checkCode(code) {
  if (typeof code !== 'string') {
    const type = typeof code
    const got = code === null ? 'null' : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
    throw new TypeError(`loginCode must resolve to a string, got ${got}`)
  }
  return code
}

module.exports = { Driver }
