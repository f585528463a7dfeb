// The canonical WeChat cloud function, using the engine's wx-server-sdk stand-in.
const cloud = require('wx-server-sdk')
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
exports.main = async (event, context) => {
  const { OPENID, APPID, UNIONID, SOURCE } = cloud.getWXContext()
  return { OPENID, APPID, UNIONID, SOURCE }
}
