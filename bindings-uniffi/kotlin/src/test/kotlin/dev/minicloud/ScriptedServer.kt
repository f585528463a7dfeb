package dev.minicloud

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.ByteArrayOutputStream
import java.io.InputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.CountDownLatch
import kotlin.concurrent.thread

/** Headers a transport adds on its own; vectors list only the SDK's (tests/vectors/README.md). */
private val TRANSPORT_HEADERS = setOf(
    "host", "content-type", "content-length", "accept", "user-agent", "connection", "accept-encoding", "transfer-encoding",
)

/** One parsed request: method, path, headers in order, body text (null when there is none). */
class Request(val method: String, val path: String, val headers: List<Pair<String, String>>, val body: String?)

private fun readLine(input: InputStream): String? {
    val out = ByteArrayOutputStream()
    while (true) {
        val b = input.read()
        if (b == -1) return if (out.size() == 0) null else out.toString(Charsets.ISO_8859_1)
        if (b == '\n'.code) return out.toString(Charsets.ISO_8859_1).trimEnd('\r')
        out.write(b)
    }
}

/** Reads one HTTP/1.1 request, or null when the client closed the connection. */
fun readRequest(input: InputStream): Request? {
    val start = readLine(input) ?: return null
    val (method, path) = start.split(" ").let { it[0] to it[1] }
    val headers = mutableListOf<Pair<String, String>>()
    while (true) {
        val line = readLine(input) ?: return null
        if (line.isEmpty()) break
        val i = line.indexOf(':')
        headers += line.substring(0, i).trim() to line.substring(i + 1).trim()
    }
    val length = headers.firstOrNull { it.first.equals("content-length", true) }?.second?.toInt()
    val body = length?.let { String(input.readNBytes(it), Charsets.UTF_8) }
    return Request(method, path, headers, body)
}

/** A loopback server answering as a vector's `exchanges` say (raw sockets: header order and bytes visible). */
open class ScriptedServer(exchanges: List<JsonObject>, private val concurrent: Boolean, private val version: String) : AutoCloseable {
    private class Exchange(val spec: JsonObject, var used: Boolean = false)

    private val exchanges = exchanges.map { Exchange(it) }
    private val socket = ServerSocket(0, 64, InetAddress.getLoopbackAddress())

    /** Every mismatch seen. */
    val problems: MutableList<String> = java.util.Collections.synchronizedList(mutableListOf())

    /** Counted down when a request is being held open. */
    val heldOpen = CountDownLatch(1)

    /** Counted down when the client closed a held connection. */
    val heldClosed = CountDownLatch(1)

    /** The base URL to configure clients with. */
    val base = "http://127.0.0.1:${socket.localPort}"

    init {
        thread(isDaemon = true) {
            while (true) {
                val conn = try { socket.accept() } catch (e: Exception) { break }
                thread(isDaemon = true) { conn.use { serve(it) } }
            }
        }
    }

    override fun close() = socket.close()

    /** The exchanges the client never asked for. */
    fun unused(): List<JsonObject> = synchronized(exchanges) { exchanges.filter { !it.used }.map { it.spec } }

    private fun seen(r: Request): JsonObject = JsonObject(
        mapOf(
            "method" to JsonPrimitive(r.method),
            "path" to JsonPrimitive(r.path),
            "headers" to JsonArray(
                r.headers.filter { it.first.lowercase() !in TRANSPORT_HEADERS }.map { (k, v) ->
                    JsonArray(listOf(JsonPrimitive(k), JsonPrimitive(if (v == version) "\$VERSION" else v)))
                },
            ),
            "body" to (r.body?.let { JsonPrimitive(it) } ?: JsonNull),
        ),
    )

    private fun lowerNames(headers: JsonElement) = headers.jsonArray.map {
        it.jsonArray[0].jsonPrimitive.content.lowercase() to it.jsonArray[1].jsonPrimitive.content
    }

    private fun same(want: JsonObject, seen: JsonObject) = want["method"] == seen["method"] && want["path"] == seen["path"] &&
        want["body"] == seen["body"] && lowerNames(want["headers"]!!) == lowerNames(seen["headers"]!!)

    protected open fun serve(conn: Socket) {
        val input = conn.getInputStream()
        while (true) {
            val request = readRequest(input) ?: return
            val seen = seen(request)
            val match = synchronized(exchanges) {
                val unused = exchanges.filter { !it.used }
                val candidates = if (concurrent) unused else unused.take(1)
                val match = candidates.firstOrNull { same(it.spec["request"]!!.jsonObject, seen) }
                if (match == null) {
                    problems += "unexpected request\n  sent:     $seen\n  expected: ${unused.firstOrNull()?.spec?.get("request") ?: "no more requests"}"
                } else {
                    match.used = true
                }
                match
            }
            if (match == null) return reset(conn)
            when (match.spec["failure"]?.jsonPrimitive?.content) {
                null -> answer(conn, match.spec["response"]!!.jsonObject)
                "timeout", "hang" -> return hold(conn)
                else -> return reset(conn)
            }
        }
    }

    /** Never answers; returns once the client closes the connection. */
    protected fun hold(conn: Socket) {
        heldOpen.countDown()
        try {
            while (conn.getInputStream().read() != -1) { /* discard */ }
        } catch (e: Exception) { /* reset by the client: closed too */ }
        heldClosed.countDown()
    }

    private fun reset(conn: Socket) {
        conn.setSoLinger(true, 0)
        conn.close()
    }

    protected fun answer(conn: Socket, response: JsonObject) {
        val body = (response["body"]?.let { if (it is JsonNull) "" else it.jsonPrimitive.content } ?: "").toByteArray()
        val head = StringBuilder("HTTP/1.1 ${response["status"]!!.jsonPrimitive.content} Scripted\r\nContent-Length: ${body.size}\r\n")
        response["headers"]?.jsonObject?.forEach { (k, v) ->
            if (!k.equals("content-length", true)) head.append("$k: ${v.jsonPrimitive.content}\r\n")
        }
        head.append("\r\n")
        conn.getOutputStream().apply {
            write(head.toString().toByteArray(Charsets.ISO_8859_1))
            write(body)
            flush()
        }
    }
}

/** Holds every request open until the client closes the connection. */
class HoldingServer : ScriptedServer(emptyList(), true, "") {
    override fun serve(conn: Socket) {
        readRequest(conn.getInputStream()) ?: return
        hold(conn)
    }
}
