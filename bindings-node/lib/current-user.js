'use strict'
// The signed-in user every login, `silentLogin`, `loginWithWechat` and `getCurrentUser` resolves to: the
// official SDK's current-user object, with minicloud's fields beside the official ones. The core decides its
// own properties (`CurrentUser::js_object_json`); this file only gives them their class.

/**
 * The signed-in user. Official own properties: each profile field the official SDK copies onto the object
 * (`id`, `nickname`, `avatar`, `openid`, `unionid`, `created_at`, ... and every `_`-prefixed field such as
 * `_anonymous`), `user_id` and `session_expires_at`; minicloud's: `userId`, `openid`, `unionid` (null when
 * unknown), `isAnonymous`, `expiresAt` and `profile`. `toJSON()` and `get(key)` read the profile, as the official
 * ones read the user's attributes. Never holds the token.
 */
class CurrentUser {
  /** The user's attributes (the official `toJSON()`). */
  toJSON() {
    return this.profile
  }

  /** One attribute of the user (the official `get(key)`). */
  get(key) {
    return this.profile[key]
  }
}

/** The current user from its own properties (the core's `CurrentUser::js_object_json`, parsed). */
function currentUser(properties) {
  return Object.assign(new CurrentUser(), properties)
}

module.exports = { CurrentUser, currentUser }
