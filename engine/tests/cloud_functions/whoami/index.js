// A WeChat-style function without config.json: the engine recognises it by its require.
const cloud = require('wx-server-sdk')
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
exports.main = async (event, context) => {
  return { wxContext: cloud.getWXContext(), event }
}
