// Calls itself until the engine's chain limit refuses.
exports.main = async (event) => {
  const depth = (event.data && event.data.depth) || 0
  try {
    const res = await BaaS.invoke('baasLoop', { depth: depth + 1 })
    return res.data
  } catch (e) {
    return { stoppedAt: depth, code: e.code, message: e.message }
  }
}
