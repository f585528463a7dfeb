package dev.minicloud

import dev.minicloud.ffi.ClientSecret
import dev.minicloud.ffi.MinappServer
import dev.minicloud.ffi.MinappServerConfig
import dev.minicloud.ffi.MinicloudException
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/** MinappServer (issue 14) from Kotlin against the engine's open API: the core runs the token flow. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MinappServerTest {
    private lateinit var engine: Engine

    @BeforeAll
    fun startEngine() {
        engine = Engine.start()
    }

    @AfterAll
    fun stopEngine() = engine.close()

    private fun config(secret: String = "minicloud-local-secret") =
        MinappServerConfig(clientId = Engine.CLIENT_ID, clientSecret = ClientSecret(secret), host = engine.url)

    @Test
    fun invokeRunsAFunctionAsAServer() = runBlocking {
        MinappServer(config()).use { server ->
            val answer = Json.parseToJsonElement(server.invoke("echo", """{"名字":"小明 🌏"}""", true, null)).jsonObject
            assertEquals(0, answer["code"]!!.jsonPrimitive.int)
            assertEquals("小明 🌏", answer["data"]!!.jsonObject["data"]!!.jsonObject["名字"]!!.jsonPrimitive.content)
        }
    }

    @Test
    fun anUnknownFunctionIs404() = runBlocking {
        MinappServer(config()).use { server ->
            val e = assertThrows<MinicloudException> { runBlocking { server.invoke("noSuchFunction", null, true, null) } }
            assertEquals(404u, e.code())
            assertEquals("404: not found", e.message())
        }
    }

    @Test
    fun aWrongSecretNamesTheAuthorizeStepAndNeverPrintsTheSecret() = runBlocking {
        val secret = "错误的-secret-🔑"
        MinappServer(config(secret)).use { server ->
            val e = assertThrows<MinicloudException> { runBlocking { server.debug("echo", null, null) } }
            assertEquals(401u, e.code())
            assertTrue(e.message().contains("authorize step failed"), e.message())
            assertFalse((e.toString() + e.message() + config(secret).toString()).contains(secret))
        }
    }
}
