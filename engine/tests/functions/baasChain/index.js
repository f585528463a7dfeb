// Calls another 知晓云 function through the runtime's global BaaS (no require), as real functions do.
exports.main = async (event) => {
  const res = await BaaS.invoke('echo', { from: '链式调用 🔗', n: event.data && event.data.n })
  console.log('echo answered', res.code)
  const whole = await BaaS.invokeFunction('echo', { old: true })
  return { via: 'baasChain', res, wholeStatus: whole.status, wholeData: whole.data.data }
}
