// Type-checked by `tsc -p .` with only typescript and @types/node installed: the package's types must compile
// under --strict without DOM.
import { BaaS, Client, HError, type InvokeResult } from 'minicloud'

async function main(): Promise<void> {
  BaaS.init('pkg-test', { host: 'http://127.0.0.1:8000', autoLogin: 'anonymous' })
  const result: InvokeResult = await BaaS.invoke('helloWorld', { name: 'allen' })
  const client = new Client({ clientId: 'pkg-test', host: 'http://127.0.0.1:8000' })
  try {
    await client.invoke('slow', {}, { timeoutMs: 2000, signal: AbortSignal.timeout(1000) })
  } catch (e) {
    if (e instanceof HError) console.log(e.code, e.kind, e.retryable)
  }
  console.log(result.data)
}

void main()
