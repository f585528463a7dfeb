// A user's Kotlin program against the minicloud-kotlin jar resolved from a Maven repository: JNA loads the
// native library from the jar's resources (no jna.library.path). Invokes helloWorld on the engine
// scripts/test-packages.sh started (MINICLOUD_URL, MINICLOUD_CLIENT_ID).
import dev.minicloud.Minicloud
import dev.minicloud.NotFoundException
import dev.minicloud.ffi.AutoLogin
import dev.minicloud.ffi.ClientConfig
import dev.minicloud.ffi.Platform
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import kotlin.system.exitProcess

fun main() = runBlocking {
    val config = ClientConfig(
        clientId = System.getenv("MINICLOUD_CLIENT_ID"),
        platform = Platform.DESKTOP,
        host = System.getenv("MINICLOUD_URL"),
        autoLogin = AutoLogin.Anonymous,
    )
    Minicloud(config).use { cloud ->
        val hello = cloud.invoke("helloWorld", buildJsonObject { put("name", "allen") }).jsonObject
        check(hello["code"]?.jsonPrimitive?.content == "0" && hello["data"]?.jsonPrimitive?.content == "hello allen") { "$hello" }
        val mixed = "小明 🚀 café"
        val echoed = cloud.invoke("helloWorld", buildJsonObject { put("name", mixed) }).jsonObject["data"]?.jsonPrimitive?.content
        check(echoed == "hello $mixed") { "$echoed" }
        try {
            cloud.invoke("noSuchFunction")
            System.err.println("noSuchFunction did not throw")
            exitProcess(1)
        } catch (e: NotFoundException) {
            check(e.code == 404) { "${e.code}" }
        }
    }
    println("kotlin: hello allen")
}
