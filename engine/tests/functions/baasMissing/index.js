// BaaS.invoke of functions that cannot run: each refusal as the caller sees it.
exports.main = async () => {
  const refusal = async (name) => {
    try {
      await BaaS.invoke(name, {})
      return 'unexpected'
    } catch (e) {
      return { code: e.code, message: e.message }
    }
  }
  return { unknown: await refusal('noSuchFunction'), badName: await refusal('没有这个函数') }
}
