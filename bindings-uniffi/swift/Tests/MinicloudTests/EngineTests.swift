// End-to-end XCTests mirroring the Kotlin EngineTest/CancellationTest: the Swift bindings against a local
// engine started through the CLI binary. Not run in our CI: no Swift toolchain exists on our Linux machines
// (see bindings-uniffi/README.md). Run on macOS after `cargo build -p minicloud-uniffi -p minicloud-cli`:
//   swift test -Xlinker -L../../target/debug
import Foundation
import XCTest

@testable import Minicloud

final class EngineTests: XCTestCase {
    static let clientId = "uniffi-swift-e2e"
    static var engine: Process?
    static var url = ""

    static var repo: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../..").standardized
    }

    override class func setUp() {
        super.setUp()
        let cli = ProcessInfo.processInfo.environment["MINICLOUD_CLI"]
            ?? repo.appendingPathComponent("target/debug/minicloud").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cli)
        process.arguments = [
            "serve", repo.appendingPathComponent("engine/tests/functions").path, "--port", "0",
            "--client-id", clientId, "--allow-anonymous", "--in-memory",
        ]
        // The admin token goes through the environment: the engine takes no secret on its command line.
        var environment = ProcessInfo.processInfo.environment
        environment["MINICLOUD_ADMIN_TOKEN"] = "uniffi-swift-admin"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try! process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let first = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        url = first.replacingOccurrences(of: "minicloud engine listening on ", with: "")
        engine = process
    }

    override class func tearDown() {
        engine?.terminate()
        engine?.waitUntilExit()
        super.tearDown()
    }

    func client(autoLogin: AutoLogin? = nil, store: StoreChoice? = nil) throws -> Client {
        try Client(config: ClientConfig(
            clientId: Self.clientId, platform: .desktop, host: Self.url, env: nil, autoLogin: autoLogin, store: store,
            syncTimeoutMs: nil, asyncTimeoutMs: nil, authTimeoutMs: nil, maxRequestBytes: nil, maxResponseBytes: nil,
            hostApis: nil, clock: nil))
    }

    struct Echo: Decodable {
        let data: String?
    }

    func testAnonymousLoginThenInvokeReturnsTheFunctionsResult() async throws {
        let c = try client()
        _ = try await c.anonymousLogin()
        let result: CloudFunctionResult<String> = try await c.invoke("helloWorld", params: ["name": "allen"])
        XCTAssertEqual(result.code, 0)
        XCTAssertEqual(result.data, "hello allen")
    }

    func testInvokeWithoutParamsSendsNoData() async throws {
        let c = try client(autoLogin: .anonymous)
        let result: CloudFunctionResult<Echo> = try await c.invoke("echo")
        XCTAssertEqual(result.data?.data, "absent")
    }

    func testUnknownFunctionThrowsNotFound() async throws {
        let c = try client(autoLogin: .anonymous)
        do {
            let _: CloudFunctionResult<String> = try await c.invoke("noSuchFunction")
            XCTFail("expected an error")
        } catch let e as MinicloudError {
            XCTAssertEqual(e.code(), 404)
            XCTAssertEqual(e.message(), "404: not found")
            XCTAssertEqual(e.kind(), "not_found")
            XCTAssertEqual(e.status(), 404)
        }
    }

    func testThrowingFunctionResolvesWithCode1() async throws {
        let c = try client(autoLogin: .anonymous)
        let result: CloudFunctionResult<String> = try await c.invoke("throws")
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.error?.message?.contains("boom") ?? false)
    }

    func testRegisterThenLoginKeepsTheTokenInTheCustomStoreOnly() async throws {
        let store = MemorySessionStore()
        let c = try client(store: .custom(store: store))
        let name = "reg-\(UUID().uuidString.prefix(10))"
        _ = try await c.register(credentials: Credentials(kind: .username, account: name, password: "pw-123"))
        c.clearSession()
        let login = try await c.login(credentials: Credentials(kind: .username, account: name, password: "pw-123"))
        let token = try XCTUnwrap(try store.get(key: "ifx_baas_auth_token"))
        XCTAssertFalse(token.isEmpty)
        XCTAssertFalse(login.profileJson.contains(token))
    }

    func testEmptyFunctionNameIs605() async throws {
        let c = try client()
        do {
            _ = try await c.invoke(name: "", paramsJson: nil, sync: nil, timeoutMs: nil)
            XCTFail("expected an error")
        } catch let e as MinicloudError {
            XCTAssertEqual(e.code(), 605)
            XCTAssertEqual(e.message(), "605: incorrect parameter type")
        }
    }

    func testCancelledTaskStopsTheCallAndLaterCallsWork() async throws {
        let c = try client(autoLogin: .anonymous)
        _ = try await c.invoke(name: "echo", paramsJson: "{}", sync: nil, timeoutMs: nil)
        let task = Task { try await c.invokeJSON("slow", paramsJson: "{\"hang\":true}", timeoutMs: 60_000) }
        try await Task.sleep(nanoseconds: 100_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("expected the cancelled call to throw")
        } catch let e as MinicloudError {
            XCTAssertEqual(e.kind(), "cancelled")
            XCTAssertEqual(e.message(), "601: request cancelled")
        }
        let result: CloudFunctionResult<String> = try await c.invoke("slow", params: [String: String]())
        XCTAssertEqual(result.data, "quick")
    }
}
