package dev.minicloud

import dev.minicloud.ffi.AccountKind
import dev.minicloud.ffi.AutoLogin
import dev.minicloud.ffi.ClientConfig
import dev.minicloud.ffi.HostApis
import dev.minicloud.ffi.LogLevel
import dev.minicloud.ffi.Logger
import dev.minicloud.ffi.Platform
import dev.minicloud.ffi.StoreChoice
import dev.minicloud.ffi.setLogger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.UUID

/** End-to-end: the Kotlin layer against a real local engine started through the CLI binary. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineTest {
    private lateinit var engine: Engine

    @BeforeAll
    fun startEngine() {
        engine = Engine.start()
    }

    @AfterAll
    fun stopEngine() = engine.close()

    private fun client(autoLogin: AutoLogin? = null, store: StoreChoice? = null) = Minicloud(
        ClientConfig(clientId = Engine.CLIENT_ID, platform = Platform.DESKTOP, host = engine.url, autoLogin = autoLogin, store = store),
    )

    private fun unique(prefix: String) = "$prefix-${UUID.randomUUID().toString().take(10)}"

    private val JsonElement.data get() = jsonObject["data"]!!

    @Test
    fun anonymousLoginThenInvokeReturnsTheFunctionsResult() = runBlocking {
        client().use { c ->
            c.anonymousLogin()
            val expected = buildJsonObject { put("code", 0); put("data", "hello allen"); put("error", JsonObject(emptyMap())) }
            assertEquals(expected, c.invoke("helloWorld", buildJsonObject { put("name", "allen") }))
        }
    }

    @kotlinx.serialization.Serializable
    data class Greeting(val name: String)

    @Test
    fun invokeAsEncodesAndDecodesDataClasses() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            val expected = CloudResult(code = 0, data = "hello allen", error = JsonObject(emptyMap()))
            assertEquals(expected, c.invokeAs<Greeting, CloudResult<String>>("helloWorld", Greeting("allen")))
        }
    }

    @Test
    fun asyncInvokeAnswersStatusOk() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            val answer = c.invoke("echo", JsonObject(emptyMap()), sync = false).toString()
            assertTrue(answer.contains("\"status\":\"ok\""), answer)
        }
    }

    @Test
    fun silentLoginOnDesktopIsUnsupported() = runBlocking {
        client().use { c ->
            val e = assertThrows<UnsupportedException> { runBlocking { c.silentLogin() } }
            assertEquals(611, e.code)
        }
    }

    @Test
    fun invokeWithoutParamsSendsNoData() = runBlocking {
        client(AutoLogin.Anonymous).use { c -> assertEquals(JsonPrimitive("absent"), c.invoke("echo").data.jsonObject["data"]) }
    }

    @Test
    fun invokeFunctionAliasReachesTheFunction() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            val params = buildJsonObject { put("k", "二") }
            assertEquals(params, c.invokeFunction("echo", params).data.jsonObject["data"])
        }
    }

    @Test
    fun unknownFunctionThrowsNotFound() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            val e = assertThrows<NotFoundException> { runBlocking { c.invoke("noSuchFunction") } }
            assertEquals(listOf<Any?>(404, "404: not found", "not_found", 404), listOf(e.code, e.message, e.kind, e.status))
        }
    }

    @Test
    fun throwingFunctionResolvesWithCode1() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            val result = c.invoke("throws").jsonObject
            assertEquals(JsonPrimitive(1), result["code"])
            assertTrue(result["error"]!!.jsonObject["message"]!!.jsonPrimitive.content.contains("boom"))
        }
    }

    @Test
    fun autoLoginAnonymousLogsInByItself() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            assertNull(c.session())
            val user = c.invoke("echo", JsonObject(emptyMap())).data.jsonObject["user"]!!
            assertNotEquals(JsonNull, user.jsonObject["id"])
            assertTrue(c.session()!!.isAnonymous)
        }
    }

    @Test
    fun registerThenLoginKeepsTheTokenInTheCustomStoreOnly() = runBlocking {
        val store = MapStore()
        client(store = customStore(store)).use { c ->
            val name = unique("reg")
            c.register(AccountKind.USERNAME, name, "pw-123")
            c.clearSession()
            val login = c.login(AccountKind.USERNAME, name, "pw-123")
            val token = store.values["ifx_baas_auth_token"]!!.jsonPrimitive.content
            assertTrue(token.isNotEmpty())
            assertFalse(login.toString().contains(token))
            assertEquals(store.values["ifx_baas_uid"], login.userId)
        }
    }

    @Test
    fun smsLoginSignsTheUserIn() = runBlocking {
        client().use { c ->
            c.loginWithSms("13800000000", "123456")
            assertNotEquals(JsonNull, c.invoke("echo", JsonObject(emptyMap())).data.jsonObject["user"]!!.jsonObject["id"])
        }
    }

    @Test
    fun fileStoreSessionSurvivesANewClient(@TempDir dir: Path) = runBlocking {
        val path = dir.resolve("session.json").toString()
        val login = client(store = StoreChoice.File(path)).use { it.anonymousLogin() }
        client(store = StoreChoice.File(path)).use { c ->
            assertEquals(login.userId, c.invoke("echo", JsonObject(emptyMap())).data.jsonObject["user"]!!.jsonObject["id"])
        }
    }

    @Test
    fun logoutClearsTheSession() = runBlocking {
        client().use { c ->
            c.anonymousLogin()
            c.logout()
            assertNull(c.session())
            assertThrows<UnauthenticatedException> { runBlocking { c.invoke("echo", JsonObject(emptyMap())) } }
        }
    }

    @Test
    fun emptyFunctionNameIs605() = runBlocking {
        client().use { c ->
            val e = assertThrows<InvalidArgumentException> { runBlocking { c.invoke("") } }
            assertEquals(605 to "605: incorrect parameter type", e.code to e.message)
        }
    }

    @Test
    fun badConfigIs605NamingTheProblem() {
        val e = assertThrows<InvalidArgumentException> {
            Minicloud(ClientConfig(clientId = "x", platform = Platform.DESKTOP, host = "ftp://nope"))
        }
        assertTrue(e.message!!.contains("ftp://nope"), e.message)
    }

    @Test
    fun aFailingCustomStoreDoesNotFailTheCall() = runBlocking {
        var calls = 0
        val broken = object : JsonStore {
            override fun get(key: String): JsonElement? { calls++; throw IllegalStateException("keystore locked") }
            override fun set(key: String, value: JsonElement) { calls++; throw IllegalStateException("keystore locked") }
        }
        client(store = customStore(broken)).use { c -> assertTrue(c.anonymousLogin().isAnonymous) }
        assertTrue(calls > 0)
    }

    @Test
    fun aFailingSessionWriteReachesTheAppsLogger() = runBlocking {
        val lines = java.util.Collections.synchronizedList(mutableListOf<Triple<LogLevel, String, String>>())
        setLogger(object : Logger {
            override fun log(level: LogLevel, target: String, message: String) { lines += Triple(level, target, message) }
        }, LogLevel.WARN)
        try {
            val readOnly = object : JsonStore {
                override fun get(key: String): JsonElement? = null
                override fun set(key: String, value: JsonElement) = throw IllegalStateException("keystore locked")
            }
            client(store = customStore(readOnly)).use { c -> c.anonymousLogin() }
        } finally {
            setLogger(null, LogLevel.WARN)
        }
        val first = lines.firstOrNull() ?: error("no log line reached the logger")
        assertEquals(LogLevel.WARN, first.first)
        assertEquals("minicloud_uniffi", first.second)
        assertTrue(first.third.startsWith("session store write failed key=ifx_baas_"), first.third)
    }

    @Test
    fun cancelledCoroutineStopsTheCallAndLaterCallsWork() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            c.invoke("echo", JsonObject(emptyMap()))
            val call = async { c.invoke("slow", buildJsonObject { put("hang", true) }, timeoutMs = 60_000) }
            delay(100)
            call.cancel()
            assertThrows<CancellationException> { runBlocking { call.await() } }
            assertEquals(JsonPrimitive("quick"), c.invoke("slow", JsonObject(emptyMap())).data)
        }
    }

    @Test
    fun concurrentAutoLoginCallsShareOneLogin() = runBlocking {
        val before = engine.loginCount()
        client(AutoLogin.Anonymous).use { c ->
            val codes = coroutineScope { (1..5).map { async { c.invoke("echo", JsonObject(emptyMap())).jsonObject["code"] } }.awaitAll() }
            assertEquals(List(5) { JsonPrimitive(0) }, codes)
        }
        assertEquals(1, engine.loginCount() - before)
    }

    @Test
    fun revokedSessionIsRenewedOnceWithAutoLogin() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            c.invoke("echo", JsonObject(emptyMap()))
            val before = engine.loginCount()
            assertEquals(204, engine.admin("POST", "/dev/v1/sessions/revoke").first)
            assertEquals(JsonPrimitive(0), c.invoke("echo", JsonObject(emptyMap())).jsonObject["code"])
            assertEquals(1, engine.loginCount() - before)
        }
    }

    @Test
    fun silentLoginUsesTheHostsLoginCode() = runBlocking {
        var asked = 0
        val host = object : HostApis {
            override suspend fun loginCode(): String? { asked++; return unique("wx-code") }
            override fun appName(): String? = null
            override fun isOffline(): Boolean = false
        }
        val config = ClientConfig(
            clientId = Engine.CLIENT_ID, platform = Platform.WX, host = engine.url, autoLogin = AutoLogin.Silent, hostApis = host,
        )
        Minicloud(config).use { c ->
            val user = c.invoke("echo", JsonObject(emptyMap())).data.jsonObject["user"]!!.jsonObject
            assertNotEquals(JsonNull, user["openid"])
            assertEquals(1, asked)
        }
    }

    @Test
    fun serverSideExpiryIsRenewedOnceWithAutoLogin() = runBlocking {
        client(AutoLogin.Anonymous).use { c ->
            c.invoke("echo", JsonObject(emptyMap()))
            val before = engine.loginCount()
            assertEquals(204, engine.admin("POST", "/dev/v1/sessions/expire").first)
            assertEquals(JsonPrimitive(0), c.invoke("echo", JsonObject(emptyMap())).jsonObject["code"])
            assertEquals(1, engine.loginCount() - before)
        }
    }

    @Test
    fun revokedSessionWithoutAutoLoginIs401() = runBlocking {
        engine.loginCount() // skips when the engine has no test controls
        client().use { c ->
            c.anonymousLogin()
            assertEquals(204, engine.admin("POST", "/dev/v1/sessions/revoke").first)
            val e = assertThrows<UnauthenticatedException> { runBlocking { c.invoke("echo", JsonObject(emptyMap())) } }
            assertEquals(401, e.status)
        }
    }
}
