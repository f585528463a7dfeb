// Prints, waits past the runner's 100 ms output batching, prints again: its log arrives in two parts.
exports.main = async () => {
  console.log('first part 你好')
  await new Promise((resolve) => setTimeout(resolve, 250))
  console.log('second part 🌏 mixed ایران')
  return 'printed twice'
}
