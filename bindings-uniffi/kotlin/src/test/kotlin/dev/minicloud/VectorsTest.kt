package dev.minicloud

import dev.minicloud.ffi.AccountKind
import dev.minicloud.ffi.AutoLogin
import dev.minicloud.ffi.CallbackException
import dev.minicloud.ffi.ClientConfig
import dev.minicloud.ffi.Clock
import dev.minicloud.ffi.HostApis
import dev.minicloud.ffi.Platform
import dev.minicloud.ffi.clientVersion
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.io.File

/** Repository root (the Maven property `minicloud.repo`). */
val REPO = File(System.getProperty("minicloud.repo") ?: "../..").canonicalFile

/**
 * Replays every shared vector (every JSON file in tests/vectors) through the Kotlin layer against a scripted loopback
 * server: requests (method, path, SDK headers in order, body bytes), outcomes and storage must match.
 */
class VectorsTest {
    private val vectors = File(REPO, "tests/vectors").listFiles { f -> f.extension == "json" }!!.sortedBy { it.name }

    /**
     * The vector's host. `allStarted`, for concurrent vectors, holds the login code back until every call of the
     * vector has started: a call that started after the shared login ended would rightly log in again, which is
     * not the case the vector describes.
     */
    private class VectorHost(private val env: JsonObject, private val allStarted: CompletableDeferred<Unit>?) : HostApis {
        override suspend fun loginCode(): String? {
            allStarted?.await()
            if (env["loginHangs"]?.jsonPrimitive?.booleanOrNull == true) awaitCancellation()
            env["loginFails"]?.jsonPrimitive?.content?.let { throw CallbackException.Failed(it) }
            return env["loginCode"]?.jsonPrimitive?.content
        }
        override fun appName(): String? = env["appName"]?.jsonPrimitive?.content
        override fun isOffline(): Boolean = env["networkType"]?.jsonPrimitive?.content == "none"
    }

    private class FixedClock(private val now: Long) : Clock {
        override fun nowSecs(): Long = now
    }

    @Test
    fun everyVectorIsHere() {
        assertTrue(vectors.size >= 40, "found ${vectors.size} vectors")
    }

    @TestFactory
    fun vectors(): List<DynamicTest> = vectors.map { file -> DynamicTest.dynamicTest(file.nameWithoutExtension) { run(file) } }

    private fun unsupportedByTypedApi(vector: JsonObject): String? {
        for (call in vector["calls"]!!.jsonArray) {
            val timeout = call.jsonObject["timeoutMs"]
            if (timeout != null && timeout.jsonPrimitive.longOrNull == null) {
                return "the typed API takes timeoutMs as Long; NaN and Infinity do not exist there"
            }
            val args = call.jsonObject["args"]!!.jsonArray
            if (call.jsonObject["op"]!!.jsonPrimitive.content.startsWith("invoke")) {
                if (args.isEmpty() || !(args[0] is JsonPrimitive && args[0].jsonPrimitive.isString)) {
                    return "the typed API takes the function name as String; a non-string name does not compile in Kotlin"
                }
                if (args.size > 2 && args[2].jsonPrimitive.booleanOrNull == null) {
                    return "the typed API takes sync as Boolean?; a non-boolean sync does not compile in Kotlin"
                }
            }
        }
        return null
    }

    private fun credentials(arg: JsonObject): Triple<AccountKind, String, String> {
        val kind = AccountKind.values().first { arg.containsKey(it.name.lowercase()) }
        return Triple(kind, arg[kind.name.lowercase()]!!.jsonPrimitive.content, arg["password"]!!.jsonPrimitive.content)
    }

    private suspend fun runCall(client: Minicloud, call: JsonObject): Result<JsonElement?> = try {
        val args = call["args"]!!.jsonArray
        val result: JsonElement? = when (val op = call["op"]!!.jsonPrimitive.content) {
            "invoke", "invokeFunction" -> {
                val name = args[0].jsonPrimitive.content
                // A JSON null param is JsonNull (sends "data": null); an absent one is Kotlin null.
                val params = args.getOrNull(1)
                val sync = args.getOrNull(2)?.jsonPrimitive?.booleanOrNull
                val timeoutMs = call["timeoutMs"]?.jsonPrimitive?.longOrNull
                if (op == "invoke") client.invoke(name, params, sync, timeoutMs) else client.invokeFunction(name, params, sync, timeoutMs)
            }
            "login" -> credentials(args[0].jsonObject).let { (k, a, p) -> client.login(k, a, p) }.let { null }
            "register" -> credentials(args[0].jsonObject).let { (k, a, p) -> client.register(k, a, p) }.let { null }
            "loginWithSms" -> {
                val createUser = args.getOrNull(2)?.jsonObject?.get("createUser")?.jsonPrimitive?.booleanOrNull ?: true
                client.loginWithSms(args[0].jsonPrimitive.content, args[1].jsonPrimitive.content, createUser).let { null }
            }
            "anonymousLogin" -> client.anonymousLogin().let { null }
            "silentLogin" -> client.silentLogin(true).let { null }
            "logout" -> client.logout().let { null }
            "clearSession" -> client.clearSession().let { null }
            else -> error("unknown op $op")
        }
        Result.success(result)
    } catch (e: MinicloudException) {
        Result.failure(e)
    }

    private fun check(index: Int, expect: JsonObject, outcome: Result<JsonElement?>): List<String> {
        val error = outcome.exceptionOrNull() as MinicloudException?
        return when {
            expect.containsKey("result") && error == null ->
                if (outcome.getOrNull() == expect["result"]) emptyList() else listOf("call $index: resolved ${outcome.getOrNull()}, expected ${expect["result"]}")
            expect.containsKey("ok") && error == null -> emptyList()
            expect.containsKey("error") && error != null -> {
                val want = expect["error"]!!.jsonObject
                val got = mapOf(
                    "code" to JsonPrimitive(error.code), "message" to JsonPrimitive(error.message),
                    "kind" to JsonPrimitive(error.kind), "status" to (error.status?.let { JsonPrimitive(it) } ?: JsonNull),
                    "retryable" to JsonPrimitive(error.retryable),
                )
                if (want.keys.all { want[it] == got[it] }) emptyList() else listOf("call $index: error $got, expected $want")
            }
            else -> listOf("call $index: got ${outcome.getOrNull() ?: error}, expected $expect")
        }
    }

    private fun run(file: File) {
        val vector = Json.parseToJsonElement(file.readText()).jsonObject
        val reason = unsupportedByTypedApi(vector)
        if (reason != null) println("SKIP ${file.nameWithoutExtension}: $reason")
        assumeTrue(reason == null, reason)
        val c = vector["config"]!!.jsonObject
        val exchanges = vector["exchanges"]!!.jsonArray.map { it.jsonObject }
        val concurrent = vector["concurrent"]?.jsonPrimitive?.booleanOrNull ?: false
        val calls = vector["calls"]!!.jsonArray.map { it.jsonObject }
        val store = MapStore(vector["storage"]!!.jsonObject)
        val timeout = exchanges.any { it["failure"]?.jsonPrimitive?.content == "timeout" }
        val allStarted = if (concurrent) CompletableDeferred<Unit>() else null
        ScriptedServer(exchanges, concurrent, clientVersion()).use { server ->
            val config = ClientConfig(
                clientId = c["clientId"]!!.jsonPrimitive.content,
                platform = Platform.values().first { it.name.lowercase() == c["platform"]!!.jsonPrimitive.content },
                host = server.base,
                env = c["env"]?.jsonPrimitive?.content,
                autoLogin = if (c["autoLogin"]?.jsonPrimitive?.booleanOrNull == true) AutoLogin.Silent else null,
                store = customStore(store),
                syncTimeoutMs = if (timeout) 1000uL else null,
                maxRequestBytes = c["maxRequestBytes"]?.jsonPrimitive?.longOrNull?.toULong(),
                maxResponseBytes = c["maxResponseBytes"]?.jsonPrimitive?.longOrNull?.toULong(),
                hostApis = VectorHost(vector["hostEnv"]!!.jsonObject, allStarted),
                clock = FixedClock(vector["now"]!!.jsonPrimitive.longOrNull!!),
            )
            val outcomes = Minicloud(config).use { client ->
                runBlocking {
                    if (concurrent) {
                        // UNDISPATCHED: each call runs up to its first suspension, i.e. has entered the core, before
                        // the next one is launched; only then may the host hand out its login code.
                        coroutineScope {
                            val running = calls.map { async(start = CoroutineStart.UNDISPATCHED) { runCall(client, it) } }
                            allStarted?.complete(Unit)
                            running.awaitAll()
                        }
                    } else {
                        calls.map { runCall(client, it) }
                    }
                }
            }
            val problems = server.problems.toMutableList()
            calls.zip(outcomes).forEachIndexed { i, (call, outcome) -> problems += check(i, call["expect"]!!.jsonObject, outcome) }
            if (server.unused().isNotEmpty()) problems += "requests never sent: ${server.unused()}"
            vector["storageAfter"]?.jsonObject?.forEach { (key, want) ->
                val got = store.values[key]
                val empty = got == null || got == JsonNull || got == JsonPrimitive("")
                val ok = if (want == JsonNull) empty else got == want
                if (!ok) problems += "storage $key: $got, expected $want"
            }
            assertTrue(problems.isEmpty(), problems.joinToString("\n"))
        }
    }
}
