exports.main = async function (event) {
  await new Promise((resolve) => setTimeout(resolve, 5))
  throw new TypeError('async boom')
}
