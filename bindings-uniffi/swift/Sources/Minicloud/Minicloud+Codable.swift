// The idiomatic Swift layer over the generated `Client`: Codable params and results on top of the JSON-text
// calls. Errors are the generated `MinicloudError` (a Swift `Error`; `code()`, `message()`, `kind()`,
// `status()`, `requestId()`, `retryable()`, `details()`), thrown unchanged from the core.
import Foundation

/// A sync cloud function's answer: `{"code": 0, "data": ..., "error": {}}`; `code: 1` means the function
/// failed (that is not a thrown error, as in the official SDK).
public struct CloudFunctionResult<Value: Decodable>: Decodable {
    /// 0 when the function succeeded, 1 when it failed.
    public let code: Int
    /// What the function returned.
    public let data: Value?
    /// The function's failure, when `code` is 1.
    public let error: CloudFunctionFailure?
}

/// Why a cloud function failed (`error` of a `code: 1` answer).
public struct CloudFunctionFailure: Decodable {
    /// The error's message.
    public let message: String?
    /// The error's type, e.g. `SyntaxError`.
    public let type: String?
    /// The stack trace.
    public let stack: String?
}

extension Client {
    /// `BaaS.invoke` with params and result as JSON text, stopped when the calling `Task` is cancelled: the
    /// call is dropped (its connection closed) and throws `MinicloudError` of kind `cancelled`. (The generated
    /// `invoke(name:paramsJson:sync:timeoutMs:)` does not observe Task cancellation; prefer this one.)
    public func invokeJSON(
        _ name: String, paramsJson: String?, sync: Bool? = nil, timeoutMs: UInt64? = nil
    ) async throws -> String {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await invokeCancellable(
                name: name, paramsJson: paramsJson, sync: sync, timeoutMs: timeoutMs.map(Double.init), cancel: token)
        } onCancel: {
            token.cancel()
        }
    }

    /// `BaaS.invoke` with `Encodable` params, decoding the server's body as `Output`. Cancelling the calling
    /// `Task` stops the call and closes its connection.
    public func invoke<Params: Encodable, Output: Decodable>(
        _ name: String, params: Params, sync: Bool? = nil, timeoutMs: UInt64? = nil, as type: Output.Type = Output.self
    ) async throws -> Output {
        let json = String(decoding: try JSONEncoder().encode(params), as: UTF8.self)
        let body = try await invokeJSON(name, paramsJson: json, sync: sync, timeoutMs: timeoutMs)
        return try JSONDecoder().decode(Output.self, from: Data(body.utf8))
    }

    /// `BaaS.invoke` without params (`data` omitted), decoding the server's body as `Output`.
    public func invoke<Output: Decodable>(
        _ name: String, sync: Bool? = nil, timeoutMs: UInt64? = nil, as type: Output.Type = Output.self
    ) async throws -> Output {
        let body = try await invokeJSON(name, paramsJson: nil, sync: sync, timeoutMs: timeoutMs)
        return try JSONDecoder().decode(Output.self, from: Data(body.utf8))
    }
}

/// A `SessionStore` in memory (for tests and previews); apps back theirs with the Keychain.
public final class MemorySessionStore: SessionStore, @unchecked Sendable {
    private var values: [String: String]
    private let lock = NSLock()

    /// A store holding these JSON-text values.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The stored JSON text for `key`.
    public func get(key: String) throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        return values[key]
    }

    /// Stores JSON text for `key`.
    public func set(key: String, valueJson: String) throws {
        lock.lock()
        defer { lock.unlock() }
        values[key] = valueJson
    }
}
