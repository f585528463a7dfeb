package dev.minicloud

import dev.minicloud.ffi.AppSecret
import dev.minicloud.ffi.AutoLogin
import dev.minicloud.ffi.CallbackException
import dev.minicloud.ffi.HostApis
import dev.minicloud.ffi.ClientConfig
import dev.minicloud.ffi.InternalException
import dev.minicloud.ffi.Platform
import dev.minicloud.ffi.WeChatCloud
import dev.minicloud.ffi.WeChatCloudConfig
import dev.minicloud.ffi.WeChatCloudException
import dev.minicloud.ffi.panicInAsyncExport
import dev.minicloud.ffi.panicInExport
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.put
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.file.Files

/**
 * Text in Chinese, emoji and mixed scripts through the message paths of Kotlin (a WeChat function's failure,
 * a function name, a 知晓云 function's failure), the app secret never printed, and a panic inside one of our
 * exports arriving as an exception. Against a real engine on a temporary functions directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessagesTest {
    private lateinit var functions: File
    private lateinit var engine: Engine

    /** Each with a separator right after non-ASCII text, where the old redaction sliced inside a character. */
    private val texts = listOf("余额不足:100", "支付失败=余额不足 💸", "订单🚀:已取消 (Ошибка: 名=x)", "é\u0301:ü\u0308=😀")

    @BeforeAll
    fun startEngine() {
        functions = Files.createTempDirectory("minicloud-kotlin-").toFile()
        File(functions, "wxFails").mkdirs()
        File(functions, "wxFails/index.js").writeText(
            "const cloud = require('wx-server-sdk')\nexports.main = async (event) => { throw new Error(event.message) }",
        )
        File(functions, "fails").mkdirs()
        File(functions, "fails/index.js").writeText("exports.main = async (event) => { throw new Error(event.data.message) }")
        engine = Engine.start(functions)
    }

    @AfterAll
    fun stopEngine() {
        engine.close()
        functions.deleteRecursively()
    }

    private fun config(secret: String = "minicloud-local-secret") = WeChatCloudConfig(
        appId = "wx-minicloud-local",
        appSecret = AppSecret(secret),
        env = "minicloud-local",
        baseUrl = engine.url,
    )

    @Test
    fun aWeChatFunctionThrowingChineseTextFailsWithThatErrmsg() = runBlocking {
        WeChatCloud(config()).use { wechat ->
            for (text in texts) {
                val event = buildJsonObject { put("message", text) }.toString()
                val e = assertThrows<WeChatCloudException> { runBlocking { wechat.invokeCloudFunction("wxFails", event) } }
                assertEquals(-504002L, e.errcode())
                assertEquals("functions execute fail: $text", e.errmsg())
            }
        }
    }

    @Test
    fun aChineseFunctionNameIsAnInvalidArgumentNamingIt() = runBlocking {
        WeChatCloud(config()).use { wechat ->
            val e = assertThrows<WeChatCloudException> { runBlocking { wechat.invokeCloudFunction("名=x", null) } }
            assertEquals("invalid_argument", e.kind())
            assertTrue(e.errmsg().contains("function name \"名=x\" is not valid"), e.errmsg())
        }
    }

    @Test
    fun aZhixiaoyunFunctionFailingInChineseResolvesWithCode1AndItsMessage() = runBlocking {
        val config = ClientConfig(clientId = Engine.CLIENT_ID, platform = Platform.DESKTOP, host = engine.url, autoLogin = AutoLogin.Anonymous)
        Minicloud(config).use { c ->
            for (text in texts) {
                val result = c.invoke("fails", buildJsonObject { put("message", text) }).jsonObject
                assertEquals(JsonPrimitive(1), result["code"])
                assertEquals(JsonPrimitive(text), result["error"]!!.jsonObject["message"])
            }
        }
    }

    @Test
    fun aHostLoginFailingInChineseCarriesTheHostsWords() = runBlocking {
        val words = "login:fail 用户拒绝授权 🙅 (拒绝=1)"
        val refusing = object : HostApis {
            override suspend fun loginCode(): String? = throw CallbackException.Failed(words)
            override fun appName(): String? = null
            override fun isOffline(): Boolean = false
        }
        val config = ClientConfig(clientId = Engine.CLIENT_ID, platform = Platform.WX, host = engine.url, hostApis = refusing)
        Minicloud(config).use { c ->
            val e = assertThrows<MinicloudException> { runBlocking { c.silentLogin() } }
            assertEquals(614, e.code)
            assertTrue(e.details.toString().contains(words), e.details.toString())
        }
    }

    @Test
    fun printingAWeChatConfigNeverShowsTheSecret() {
        val config = config("秘密-app-secret-🔑")
        for (text in listOf(config.toString(), config.appSecret.toString(), "$config")) {
            assertFalse(text.contains("秘密-app-secret-🔑"), text)
        }
        assertTrue(config.toString().contains("appSecret=[redacted]"), config.toString())
    }

    @Test
    fun aPanicInsideAnExportIsAnInternalExceptionCarryingItsMessage() {
        val e = assertThrows<InternalException> { panicInExport("崩溃 💥: 名=x") }
        assertTrue(e.message!!.contains("崩溃 💥: 名=x"), e.message)
    }

    @Test
    fun aPanicInsideAnAsyncExportIsAnInternalExceptionCarryingItsMessage() {
        val e = assertThrows<InternalException> { runBlocking { panicInAsyncExport("异步崩溃 💥") } }
        assertTrue(e.message!!.contains("异步崩溃 💥"), e.message)
    }
}
