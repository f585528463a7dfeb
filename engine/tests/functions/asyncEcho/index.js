exports.main = async function (event) {
  await new Promise((resolve) => setTimeout(resolve, 5))
  return event.data
}
