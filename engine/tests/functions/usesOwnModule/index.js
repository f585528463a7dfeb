const greet = require('tiny-greeter')
exports.main = async function (event) {
  return greet(event.data.name)
}
