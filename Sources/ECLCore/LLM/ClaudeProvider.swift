import CurlClient
import Foundation

/// Claude through the Anthropic Messages API (`POST /v1/messages`) over HTTPS with libcurl.
///
/// Non-2xx answers become ``ECLError/llm(message:status:)`` with the status and the API's message
/// (429 and 5xx are retryable); a reply that is not the API's JSON is an llm error too. The API key
/// is sent in `x-api-key` and never appears in a log line, an error or a dump.
public struct ClaudeProvider: LLMProvider {
    /// Where and how to reach the API.
    public struct Configuration: Sendable {
        /// The API key. Environment: `ANTHROPIC_API_KEY`.
        public var apiKey: Secret
        /// The model. Environment: `ANTHROPIC_MODEL`; default ``defaultModel``.
        public var model: String
        /// The API's base URL. Environment: `ANTHROPIC_BASE_URL`; default `https://api.anthropic.com`.
        public var baseURL: String
        /// The `anthropic-version` header. Default `2023-06-01`.
        public var apiVersion: String
        /// Each request's time limit in seconds. Default 120.
        public var timeoutSeconds: Double

        /// The model used when none is named.
        public static let defaultModel = "claude-sonnet-4-5"

        /// Creates a configuration.
        public init(
            apiKey: Secret, model: String = defaultModel, baseURL: String = "https://api.anthropic.com",
            apiVersion: String = "2023-06-01", timeoutSeconds: Double = 120
        ) {
            self.apiKey = apiKey
            self.model = model
            self.baseURL = baseURL
            self.apiVersion = apiVersion
            self.timeoutSeconds = timeoutSeconds
        }

        /// Reads the key, model and base URL from `environment`; `model` overrides `ANTHROPIC_MODEL`.
        /// Throws ``ECLError/config(_:)`` when no key is set or the base URL is not an http(s) URL (shown
        /// with its credentials hidden).
        public static func fromEnvironment(_ environment: [String: String], model: String? = nil) throws(ECLError) -> Configuration {
            guard let key = environment["ANTHROPIC_API_KEY"], !key.isEmpty else {
                let state = environment["ANTHROPIC_API_KEY"] == nil ? "it is not set" : "it is empty"
                throw .config("--llm claude needs ANTHROPIC_API_KEY in the environment (\(state))")
            }
            // Sent as a header: a line break would end the headers early or add one (value never shown).
            guard !key.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) else {
                throw .config("ANTHROPIC_API_KEY holds a line break or another control character (value not shown); expected the key alone")
            }
            let baseURL = environment["ANTHROPIC_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.anthropic.com"
            if let problem = URLText.httpProblem(baseURL) {
                throw .config(
                    "ANTHROPIC_BASE_URL: '\(URLText.redacted(baseURL))' is not accepted (\(problem)); expected an http:// or https:// URL such as https://api.anthropic.com")
            }
            return Configuration(
                apiKey: Secret(key), model: model ?? environment["ANTHROPIC_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultModel,
                baseURL: baseURL)
        }
    }

    /// Where and how to reach the API.
    public let configuration: Configuration
    private let client: CurlHTTPClient

    public var model: String { configuration.model }
    public let system = "anthropic"

    /// Creates a provider with its own kept-alive connection.
    public init(configuration: Configuration) {
        self.configuration = configuration
        self.client = CurlHTTPClient(userAgent: "ecl-workflows/0.1")
    }

    public func complete(_ request: LLMRequest) async throws(ECLError) -> LLMResponse {
        let body = MessagesRequest(
            model: configuration.model, max_tokens: request.maxTokens, system: request.systemPrompt,
            messages: request.messages.map { .init(role: $0.role.rawValue, content: $0.content) },
            temperature: request.temperature, stop_sequences: request.stopSequences.isEmpty ? nil : request.stopSequences)
        let encoded: Data
        do { encoded = try JSONEncoder().encode(body) } catch { throw .llm(message: "cannot encode the request: \(error)") }
        let base = configuration.baseURL
        let http = HTTPRequest(
            method: "POST", url: URLText.appendingPath(base, "v1/messages"),
            headers: [
                ("content-type", "application/json"),
                ("x-api-key", configuration.apiKey.value),
                ("anthropic-version", configuration.apiVersion),
            ],
            body: Array(encoded), timeoutSeconds: configuration.timeoutSeconds)

        let response: HTTPResponse
        do {
            response = try await client.perform(http)
        } catch let error as HTTPTransportError {
            let message = URLText.redactingURLs(in: configuration.apiKey.redact(error.message))
            if error.kind == .timeout { throw .timeout("Claude API did not answer within \(Int(configuration.timeoutSeconds)) s") }
            if error.kind == .cancelled { throw .cancelled("the Claude API call was aborted") }
            throw .llm(message: "cannot reach the Claude API at \(URLText.redacted(base)): \(message)")
        } catch {
            throw .llm(message: "Claude API request failed: \(URLText.redactingURLs(in: configuration.apiKey.redact("\(error)")))")
        }
        return try decode(response)
    }

    private func decode(_ response: HTTPResponse) throws(ECLError) -> LLMResponse {
        guard (200..<300).contains(response.status) else {
            let apiError = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body))
            let message = apiError.map { "\($0.error.type): \($0.error.message)" } ?? String(response.text.prefix(200))
            throw .llm(message: URLText.redactingURLs(in: configuration.apiKey.redact(message)), status: response.status)
        }
        guard let reply = try? JSONDecoder().decode(MessagesResponse.self, from: Data(response.body)) else {
            throw .llm(message: "malformed response body: \(URLText.redactingURLs(in: configuration.apiKey.redact(String(response.text.prefix(200)))))", status: response.status)
        }
        let text = reply.content.compactMap { $0.type == "text" ? $0.text : nil }.joined()
        return LLMResponse(
            content: text, usage: TokenUsage(input: reply.usage.input_tokens, output: reply.usage.output_tokens),
            stopReason: reply.stop_reason ?? "end_turn")
    }
}

// The Messages API's wire format, spelled as the API spells it.
private struct MessagesRequest: Encodable {
    struct Message: Encodable {
        let role: String
        let content: String
    }

    let model: String
    let max_tokens: Int
    let system: String?
    let messages: [Message]
    let temperature: Double
    let stop_sequences: [String]?
}

private struct MessagesResponse: Decodable {
    struct Block: Decodable {
        let type: String
        let text: String?
    }

    struct Usage: Decodable {
        let input_tokens: Int
        let output_tokens: Int
    }

    let content: [Block]
    let usage: Usage
    let stop_reason: String?
}

private struct ErrorEnvelope: Decodable {
    struct Detail: Decodable {
        let type: String
        let message: String
    }

    let error: Detail
}
