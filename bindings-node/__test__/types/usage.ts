// Compiled with `tsc --noEmit --strict` by scripts/test-node.sh: the package's types accept real usage and
// reject misuse (the @ts-expect-error lines fail the check if they ever type-check).
import { BaaS, Client, CurrentUser, HError, MinappServer, WeChatCloud, WeChatError, setLogger, type InvokeResult, type LogLevel, type LoginResult } from 'minicloud'
import * as native from 'minicloud/native'

async function wechat(): Promise<void> {
  const cloud = new WeChatCloud({ appId: 'wx1', appSecret: 's', env: 'e', tokenMode: 'classic', timeoutMs: 3000 })
  const value: unknown = await cloud.invokeCloudFunction('login', { a: 1 }, { signal: new AbortController().signal })
  try {
    await cloud.invokeCloudFunction('login')
  } catch (e) {
    if (e instanceof WeChatError) {
      const code: number | null = e.errcode
      const kind: string = e.kind
    }
  }
  // @ts-expect-error tokenMode is 'stable' or 'classic'
  new WeChatCloud({ appId: 'wx1', appSecret: 's', env: 'e', tokenMode: 'fast' })
  void value
}

async function main(): Promise<void> {
  BaaS.init('a4d2d62965ddb57fa4d6', { host: 'http://127.0.0.1:8000', env: 'f1eb0a', autoLogin: 'anonymous' })
  const r: InvokeResult = await BaaS.invoke('helloWorld', { name: 'allen' })
  const code: number | undefined = r.code
  await BaaS.invoke('f', undefined, false)
  await BaaS.invokeFunction('f', null)
  const user: LoginResult = await BaaS.auth.login({ username: 'allen', password: 'pw' })
  const anon: boolean = user.isAnonymous
  await BaaS.auth.loginWithSmsVerificationCode('13800000000', '123456', { createUser: false })
  const wechat: CurrentUser = await BaaS.auth.loginWithWechat(null, { createUser: false, withUnionID: true, syncUserProfile: 'overwrite' })
  const current: CurrentUser = await BaaS.auth.getCurrentUser()
  const id: number | string | null = current.user_id
  const nickname: string | null | undefined = wechat.nickname
  const attributes: Record<string, unknown> = current.toJSON()
  const score: unknown = current.get('score')
  const anonymousFlag: unknown = current._anonymous
  void [id, nickname, attributes, score, anonymousFlag]
  // @ts-expect-error: options come second, after authData
  await BaaS.auth.loginWithWechat({ createUser: false }, true)
  await BaaS.auth.logout()
  BaaS.clearSession()

  const controller = new AbortController()
  const client = new Client({
    clientId: 'app',
    host: 'http://127.0.0.1:8000',
    platform: 'node',
    autoLogin: { email: 'a@b.c', password: 'pw' },
    sessionFile: '/tmp/session.json',
    loginCode: async () => 'code',
    syncTimeoutMs: 6000,
  })
  const version: string = client.clientVersion
  try {
    await client.invoke('slow', { hang: true }, { sync: true, timeoutMs: 100, signal: controller.signal })
  } catch (e) {
    if (e instanceof HError) {
      const c: number = e.code
      const kind: string = e.kind
      const status: number | null = e.status
      const retry: boolean = e.retryable
      void [c, kind, status, retry]
    }
  }
  // @ts-expect-error: options are an object, not a boolean
  await client.invoke('f', {}, true)
  // @ts-expect-error: a Client needs a clientId
  new Client({ host: 'http://x' })
  new Client({ clientId: 'app', transport: 'pooled' })
  // @ts-expect-error: the transports are 'node' and 'pooled'
  new Client({ clientId: 'app', transport: 'fetch' })
  // @ts-expect-error: credentials need a password
  await client.login({ username: 'allen' })

  const server = new MinappServer({ clientId: 'c', clientSecret: 's', host: 'http://x', transport: 'pooled' })
  const ran: InvokeResult = await server.invoke('f', { 名字: '小明' }, { sync: true, timeoutMs: 1000 })
  // @ts-expect-error: the transports are 'node' and 'pooled'
  new MinappServer({ clientId: 'c', clientSecret: 's', transport: 'carrier-pigeon' })
  const serverMachine = new native.NativeMinappServerMachine({ clientId: 'c', clientSecret: 's' })
  const serverFirst: string = serverMachine.invoke('f', '{}', true, null)
  void [ran, serverFirst]

  const machine = new native.NativeMachine({ clientId: 'app' })
  const first: string = machine.invoke('f', '{}', null, undefined, null, false)
  const action: string = machine.next(JSON.parse(first).call ?? 0)
  void [code, anon, version, action]
}

const quiet: LogLevel = 'error'
setLogger((level: LogLevel, target: string, message: string) => console.error(level, target, message), quiet)
setLogger(null)
// @ts-expect-error: not a level
setLogger(null, 'loud')

void main
