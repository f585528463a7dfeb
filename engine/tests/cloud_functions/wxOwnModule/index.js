// A WeChat-style function that ships its own package (node_modules/wx-greeting) and uses the engine's wx-server-sdk.
const cloud = require('wx-server-sdk')
const greet = require('wx-greeting')
cloud.init()
exports.main = async (event) => {
  return greet(event.name, cloud.getWXContext().SOURCE)
}
