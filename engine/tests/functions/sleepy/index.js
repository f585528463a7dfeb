// Answers 'awake' after `data.ms` milliseconds (0 when absent); holds its worker meanwhile.
exports.main = async function (event) {
  const ms = (event.data && event.data.ms) || 0
  await new Promise((resolve) => setTimeout(resolve, ms))
  return 'awake'
}
