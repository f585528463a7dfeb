exports.main = async (event, context) => {
  return { event, context }
}
