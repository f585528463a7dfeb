package dev.minicloud

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assumptions.assumeTrue
import java.io.File
import java.net.HttpURLConnection
import java.net.URI
import kotlin.concurrent.thread

/** A local engine started through the CLI binary (`minicloud serve`), for end-to-end tests. */
class Engine private constructor(val url: String, private val process: Process) : AutoCloseable {
    companion object {
        const val CLIENT_ID = "uniffi-kotlin-e2e"
        private const val ADMIN_TOKEN = "uniffi-kotlin-admin"

        /** Starts `minicloud serve FUNCTIONS --port 0 ...` (default engine/tests/functions) and waits for its URL. */
        fun start(functions: File = File(REPO, "engine/tests/functions")): Engine {
            val cli = System.getProperty("minicloud.cli") ?: File(REPO, "target/debug/minicloud").path
            check(File(cli).canExecute()) { "the minicloud CLI binary is missing at $cli: cargo build -p minicloud-cli" }
            val builder = ProcessBuilder(
                cli, "serve", functions.path, "--port", "0", "--client-id", CLIENT_ID,
                "--allow-anonymous", "--in-memory",
            ).redirectError(ProcessBuilder.Redirect.DISCARD)
            // The admin token goes through the environment: the engine takes no secret on its command line.
            builder.environment()["MINICLOUD_ADMIN_TOKEN"] = ADMIN_TOKEN
            val process = builder.start()
            val reader = process.inputStream.bufferedReader()
            val line = reader.readLine() ?: ""
            val prefix = "minicloud engine listening on "
            if (!line.startsWith(prefix)) {
                process.destroyForcibly()
                error("engine did not start: $line")
            }
            // Keep reading stdout so a chatty engine never blocks on a full pipe.
            thread(isDaemon = true) { reader.forEachLine { } }
            return Engine(line.removePrefix(prefix).trim(), process)
        }
    }

    /** Calls a test control; returns (status, body text). */
    fun admin(method: String, path: String): Pair<Int, String> {
        val conn = URI(url + path).toURL().openConnection() as HttpURLConnection
        conn.requestMethod = method
        conn.setRequestProperty("Authorization", "Bearer $ADMIN_TOKEN")
        val status = conn.responseCode
        val body = (if (status < 400) conn.inputStream else conn.errorStream)?.bufferedReader()?.readText() ?: ""
        return status to body
    }

    /** Logins the engine answered since it started; skips the test when the engine has no test controls. */
    fun loginCount(): Long {
        val (status, body) = admin("GET", "/dev/v1/stats")
        assumeTrue(status == 200, "engine has no /dev/v1/stats test control (HTTP $status)")
        return Json.parseToJsonElement(body).jsonObject["login_count"]!!.jsonPrimitive.long
    }

    override fun close() {
        process.destroy()
        process.waitFor()
    }
}
