// minicloud for Kotlin: the idiomatic layer over the uniffi-generated package `dev.minicloud.ffi`.
//
// Suspend functions taking and returning kotlinx.serialization `JsonElement`s, and a Kotlin exception
// hierarchy. Every protocol rule (headers, HError codes and messages, sessions, auto-login, the 401 resend)
// lives in the Rust core; this file only converts types.
package dev.minicloud

import dev.minicloud.ffi.AccountKind
import dev.minicloud.ffi.CallbackException
import dev.minicloud.ffi.CancelToken
import dev.minicloud.ffi.Client
import dev.minicloud.ffi.ClientConfig
import dev.minicloud.ffi.Credentials
import dev.minicloud.ffi.SessionStore
import dev.minicloud.ffi.StoreChoice
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.decodeFromJsonElement
import kotlinx.serialization.json.encodeToJsonElement
import java.util.concurrent.ConcurrentHashMap
import dev.minicloud.ffi.MinicloudException as FfiError

/** The fields every minicloud error carries, exactly as the core reports them. */
class ErrorFields(
    /** The official SDK's code: an HTTP status, or one of the 6xx codes. */
    val code: Int,
    /** `"{code}: {text}"`, exactly as the official SDK words it. */
    val message: String,
    /** Machine-readable kind: `network`, `timeout`, `cancelled`, `invalid_argument`, `not_found`, ... */
    val kind: String,
    /** The HTTP status, when the server answered. */
    val status: Int?,
    /** The server's `x-request-id`, when it sent one. */
    val requestId: String?,
    /** Whether sending the same call again may succeed. */
    val retryable: Boolean,
    /** The raw error body or transport cause, secrets removed. */
    val details: JsonElement?,
)

/** A failed minicloud call; [message] is exactly the core's HError message (`"404: not found"`). */
open class MinicloudException(val fields: ErrorFields) : Exception(fields.message) {
    /** See [ErrorFields.code]. */
    val code: Int get() = fields.code

    /** See [ErrorFields.kind]. */
    val kind: String get() = fields.kind

    /** See [ErrorFields.status]. */
    val status: Int? get() = fields.status

    /** See [ErrorFields.requestId]. */
    val requestId: String? get() = fields.requestId

    /** See [ErrorFields.retryable]. */
    val retryable: Boolean get() = fields.retryable

    /** See [ErrorFields.details]. */
    val details: JsonElement? get() = fields.details
}

/** No network (600), or the connection failed (601, kind `network`). */
class NetworkException(fields: ErrorFields) : MinicloudException(fields)

/** The call ran past its time limit (601, kind `timeout`). */
class RequestTimeoutException(fields: ErrorFields) : MinicloudException(fields)

/** The core reports the call as cancelled (601, kind `cancelled`). Coroutine cancellation itself surfaces as
 *  kotlinx.coroutines' `CancellationException`, as usual. */
class RequestCancelledException(fields: ErrorFields) : MinicloudException(fields)

/** A bad argument or config, a body over the payload limit (605), or use before configuration (602). */
class InvalidArgumentException(fields: ErrorFields) : MinicloudException(fields)

/** The platform cannot do this, e.g. silent login without a host login code (611). */
class UnsupportedException(fields: ErrorFields) : MinicloudException(fields)

/** HTTP 401. */
class UnauthenticatedException(fields: ErrorFields) : MinicloudException(fields)

/** HTTP 404, e.g. no cloud function by that name. */
class NotFoundException(fields: ErrorFields) : MinicloudException(fields)

/** Any other non-2xx answer (403, 429, 5xx, ...). */
class HttpException(fields: ErrorFields) : MinicloudException(fields)

/** An answer that is not what the protocol promises (not JSON, truncated, over the size limit). */
class InvalidResponseException(fields: ErrorFields) : MinicloudException(fields)

/** Converts the generated error object to the Kotlin hierarchy (by its `kind`). */
fun FfiError.toKotlin(): MinicloudException {
    val fields = ErrorFields(
        code = code().toInt(),
        message = message(),
        kind = kind(),
        status = status()?.toInt(),
        requestId = requestId(),
        retryable = retryable(),
        details = details()?.let { Json.parseToJsonElement(it) },
    )
    return when (fields.kind) {
        "network" -> NetworkException(fields)
        "timeout" -> RequestTimeoutException(fields)
        "cancelled" -> RequestCancelledException(fields)
        "invalid_argument", "payload_too_large", "uninitialized" -> InvalidArgumentException(fields)
        "unsupported" -> UnsupportedException(fields)
        "unauthenticated" -> UnauthenticatedException(fields)
        "not_found" -> NotFoundException(fields)
        "invalid_response", "response_too_large" -> InvalidResponseException(fields)
        else -> HttpException(fields)
    }
}

/**
 * The signed-in user, as every login resolves and [Minicloud.getCurrentUser] returns it: the core's current-user
 * shape, after the official SDK's current-user object (never the token).
 */
data class Login(
    /** The user id as the server sent it. */
    val userId: JsonElement?,
    /** Whether the user is an anonymous temporary user. */
    val isAnonymous: Boolean,
    /** When the session expires (epoch seconds, 30 s early). */
    val expiresAt: Long?,
    /** The user's attributes (`id`, `openid`, `nickname`, ...): what the official object's `toJSON()` gives. */
    val profile: JsonElement,
    /** The user's openid on the host, when known. */
    val openid: String? = null,
    /** The user's unionid, when known. */
    val unionid: String? = null,
) {
    /** The user's attributes, as the official current-user object's `toJSON()`. */
    fun toJSON(): JsonElement = profile
}

/** Session storage of decoded JSON values (Keychain/EncryptedSharedPreferences wrappers implement this). */
interface JsonStore {
    /** The stored value, or null. */
    fun get(key: String): JsonElement?

    /** Stores a value. */
    fun set(key: String, value: JsonElement)
}

/** A [JsonStore] in memory (handy for tests). */
class MapStore(initial: Map<String, JsonElement> = emptyMap()) : JsonStore {
    /** Everything stored. */
    val values: MutableMap<String, JsonElement> = ConcurrentHashMap(initial)

    override fun get(key: String): JsonElement? = values[key]

    override fun set(key: String, value: JsonElement) {
        values[key] = value
    }
}

/** A [StoreChoice] keeping the session in [store]; its exceptions are logged by the core, never thrown. */
fun customStore(store: JsonStore): StoreChoice = StoreChoice.Custom(JsonStoreAdapter(store))

private class JsonStoreAdapter(private val store: JsonStore) : SessionStore {
    override fun get(key: String): String? = guard("get") { store.get(key)?.toString() }

    override fun set(key: String, valueJson: String) = guard("set") { store.set(key, Json.parseToJsonElement(valueJson)) }

    private inline fun <T> guard(op: String, block: () -> T): T = try {
        block()
    } catch (e: Exception) {
        throw CallbackException.Failed("$op failed: ${e.javaClass.simpleName}")
    }
}

/**
 * A 知晓云 client. Every call is a suspend function; cancelling the coroutine stops the call and closes its
 * connection. Errors are [MinicloudException]s.
 */
class Minicloud(config: ClientConfig) : AutoCloseable {
    /** The generated client underneath (JSON text in and out). */
    val ffi: Client = rethrow { Client(config) }

    /**
     * `BaaS.invoke`: the server's body (`{"code":0,"data":...,"error":{}}`; a failed function is `code: 1`,
     * not an exception). [params] `null` omits `data`; `JsonNull` sends `"data": null`. Cancelling the coroutine
     * stops the call; so does [cancel] (then [RequestCancelledException], kind `cancelled`).
     */
    suspend fun invoke(
        name: String,
        params: JsonElement? = null,
        sync: Boolean? = null,
        timeoutMs: Long? = null,
        cancel: CancelToken? = null,
    ): JsonElement = Json.parseToJsonElement(
        rethrow {
            if (cancel == null) {
                ffi.invoke(name, params?.toString(), sync, timeoutMs?.toDouble())
            } else {
                ffi.invokeCancellable(name, params?.toString(), sync, timeoutMs?.toDouble(), cancel)
            }
        },
    )

    /** `invokeFunction`, the deprecated name of [invoke]. */
    suspend fun invokeFunction(name: String, params: JsonElement? = null, sync: Boolean? = null, timeoutMs: Long? = null): JsonElement =
        Json.parseToJsonElement(rethrow { ffi.invokeFunction(name, params?.toString(), sync, timeoutMs?.toDouble()) })

    /** Password login. */
    suspend fun login(kind: AccountKind, account: String, password: String): Login =
        Credentials(kind, account, password).use { c -> rethrow { ffi.login(c) }.toLogin() }

    /** Registration; signs the new user in. */
    suspend fun register(kind: AccountKind, account: String, password: String): Login =
        Credentials(kind, account, password).use { c -> rethrow { ffi.register(c) }.toLogin() }

    /** SMS login with a verification code. */
    suspend fun loginWithSms(phone: String, code: String, createUser: Boolean = true): Login =
        rethrow { ffi.loginWithSms(phone, code, createUser) }.toLogin()

    /** Anonymous login: a temporary user. */
    suspend fun anonymousLogin(): Login = rethrow { ffi.anonymousLogin() }.toLogin()

    /** Silent login with the host's login code (`HostApis.loginCode`); with a live session it sends nothing. */
    suspend fun silentLogin(createUser: Boolean = true): Login = rethrow { ffi.silentLogin(createUser) }.toLogin()

    /** `loginWithWechat(null, {createUser, withUnionID})`: silent login, by unionid when [withUnionId]. */
    suspend fun loginWithWechat(createUser: Boolean = true, withUnionId: Boolean = false): Login =
        rethrow { ffi.loginWithWechat(createUser, withUnionId) }.toLogin()

    /** `getCurrentUser`: the signed-in user's profile from the server; 604 without a live session. */
    suspend fun getCurrentUser(): Login = rethrow { ffi.getCurrentUser() }.toLogin()

    /** The signed-in user as the stored session describes it (no request), or null without a token. */
    fun currentUser(): Login? = ffi.currentUser()?.toLogin()

    /** Destroys the session on the server, then clears it locally. */
    suspend fun logout() = rethrow { ffi.logout() }

    /** Forgets the session locally. */
    fun clearSession() = ffi.clearSession()

    /** The stored session without its token, or null. */
    fun session(): dev.minicloud.ffi.SessionInfo? = ffi.session()

    override fun close() = ffi.close()

    private fun dev.minicloud.ffi.LoginResult.toLogin() = Login(
        userId = userIdJson?.let { Json.parseToJsonElement(it) },
        isAnonymous = isAnonymous,
        expiresAt = expiresAt,
        profile = Json.parseToJsonElement(profileJson),
        openid = openid,
        unionid = unionid,
    )
}

/**
 * [Minicloud.invoke] with `@Serializable` params and result: encodes [params] with kotlinx.serialization and
 * decodes the server's body as [R] (e.g. `CloudResult<Greeting>`).
 */
suspend inline fun <reified P, reified R> Minicloud.invokeAs(name: String, params: P, sync: Boolean? = null, timeoutMs: Long? = null): R =
    Json.decodeFromJsonElement(invoke(name, Json.encodeToJsonElement(params), sync, timeoutMs))

/** A sync cloud function's answer: `code` 0 with `data`, or `code` 1 with `error` (not an exception). */
@kotlinx.serialization.Serializable
data class CloudResult<T>(
    /** 0 when the function succeeded, 1 when it failed. */
    val code: Int,
    /** What the function returned. */
    val data: T? = null,
    /** The function's failure (`message`, `type`, `stack`), when `code` is 1. */
    val error: JsonElement? = null,
)

private inline fun <T> rethrow(block: () -> T): T = try {
    block()
} catch (e: FfiError) {
    throw e.toKotlin()
}
