// Ships its own wx-server-sdk: the engine must not replace it.
const cloud = require('wx-server-sdk')
cloud.init()
exports.main = async () => {
  return { sdk: cloud.whoAmI }
}
