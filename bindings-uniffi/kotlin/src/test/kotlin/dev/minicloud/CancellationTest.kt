package dev.minicloud

import dev.minicloud.ffi.CancelToken
import dev.minicloud.ffi.ClientConfig
import dev.minicloud.ffi.Platform
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.TimeUnit

/** Cancelling the coroutine of a call drops the Rust future, which closes the call's connection. */
class CancellationTest {
    private fun client(server: ScriptedServer) =
        Minicloud(ClientConfig(clientId = "cancel", platform = Platform.DESKTOP, host = server.base))

    @Test
    fun cancellingTheCoroutineClosesTheConnection() {
        HoldingServer().use { server ->
            client(server).use { c ->
                runBlocking {
                    val call = async(Dispatchers.IO) { c.invoke("hang", timeoutMs = 120_000) }
                    assertTrue(server.heldOpen.await(30, TimeUnit.SECONDS), "the request never reached the server")
                    call.cancel()
                    assertThrows<CancellationException> { runBlocking { call.await() } }
                }
                assertTrue(server.heldClosed.await(30, TimeUnit.SECONDS), "the connection stayed open after cancel")
            }
        }
    }

    @Test
    fun cancelTokenStopsTheCallAsCancelledAndClosesTheConnection() {
        HoldingServer().use { server ->
            client(server).use { c ->
                val token = CancelToken()
                runBlocking {
                    val call = async(Dispatchers.IO) { runCatching { c.invoke("hang", timeoutMs = 120_000, cancel = token) } }
                    assertTrue(server.heldOpen.await(30, TimeUnit.SECONDS), "the request never reached the server")
                    token.cancel()
                    val e = call.await().exceptionOrNull() as RequestCancelledException
                    assertEquals(listOf<Any?>(601, "cancelled", "601: request cancelled"), listOf(e.code, e.kind, e.message))
                }
                assertTrue(server.heldClosed.await(30, TimeUnit.SECONDS), "the connection stayed open after cancel")
            }
        }
    }

    @Test
    fun aCallPastItsTimeLimitIsATimeoutNotACancel() {
        HoldingServer().use { server ->
            client(server).use { c ->
                val e = assertThrows<RequestTimeoutException> { runBlocking { c.invoke("hang", timeoutMs = 200) } }
                assertEquals(listOf<Any?>(601, "timeout", "601: request timeout"), listOf(e.code, e.kind, e.message))
            }
        }
    }
}
