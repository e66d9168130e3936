import OTLPExporter
import Testing

@Suite struct ConfigurationTests {
    @Test func aProtocolOtherThanHTTPJSONIsAWarningNotAStop() {
        #expect(OTLPHTTPConfiguration.protocolWarning(environment: [:]) == nil)
        #expect(OTLPHTTPConfiguration.protocolWarning(environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"]) == nil)
        #expect(OTLPHTTPConfiguration.protocolWarning(environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": " HTTP/JSON "]) == nil)
        let grpc = OTLPHTTPConfiguration.protocolWarning(environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
        #expect(grpc == "OTEL_EXPORTER_OTLP_PROTOCOL=grpc: this exporter sends OTLP/HTTP with JSON only (the protocols are grpc, http/protobuf, http/json); http/json is used")
        // The per-signal form wins for its signal.
        #expect(OTLPHTTPConfiguration.protocolWarning(environment: [
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/json",
        ]) == nil)
        // Only for the signals exported; blanks are no value.
        #expect(OTLPHTTPConfiguration.protocolWarning(environment: ["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "grpc"], signals: [.traces]) == nil)
        #expect(OTLPHTTPConfiguration.protocolWarning(environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "   "]) == nil)
        let logs = OTLPHTTPConfiguration.protocolWarning(environment: ["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/protobuf\u{1B}[31m"])
        #expect(logs?.hasPrefix(#"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/protobuf\u001b[31m: "#) == true, "\(logs ?? "")")
    }

    func resolve(_ environment: [String: String] = [:], endpoint: String? = nil, headers: [String] = [], compression: String? = nil) throws(OTLPConfigError) -> OTLPHTTPConfiguration? {
        try OTLPHTTPConfiguration.resolve(environment: environment, endpointFlag: endpoint, headerFlags: headers, compressionFlag: compression)
    }

    func message(_ body: () throws(OTLPConfigError) -> OTLPHTTPConfiguration?) -> String {
        do {
            _ = try body()
            return "accepted"
        } catch { return error.message }
    }

    @Test func noEndpointMeansNoExport() throws { #expect(try resolve() == nil) }

    @Test func eachDestinationHasItsOwnSpoolStreams() throws {
        func tag(_ endpoint: String, _ headers: [String] = []) throws -> String {
            let config = try #require(try resolve(endpoint: endpoint, headers: headers))
            return Spool.prefix("traces", destination: config.destinationIdentity(for: .traces))
        }
        let base = try tag("http://127.0.0.1:4318", ["Authorization=Bearer A"])
        #expect(try tag("http://127.0.0.1:4318", ["Authorization=Bearer A"]) == base)
        // Another tenant's token, another path or another query: other streams, never drained with these.
        #expect(try tag("http://127.0.0.1:4318", ["Authorization=Bearer B"]) != base)
        let tenantA = try tag("http://127.0.0.1:4318/tenantA", ["Authorization=Bearer A"])
        let tenantB = try tag("http://127.0.0.1:4318/tenantB", ["Authorization=Bearer A"])
        #expect(tenantA != tenantB)
        let queryA = try tag("http://127.0.0.1:4318/?token=A")
        let queryB = try tag("http://127.0.0.1:4318/?token=B")
        #expect(queryA != queryB)
    }

    @Test func genericEndpointsGetTheSignalPath() throws {
        let flag = try #require(try resolve(endpoint: "http://127.0.0.1:4318/"))
        #expect(flag.tracesURL == "http://127.0.0.1:4318/v1/traces")
        #expect(flag.logsURL == "http://127.0.0.1:4318/v1/logs")
        #expect(flag.compression == .gzip)
        #expect(flag.timeoutSeconds == 10)
        let env = try #require(try resolve(["OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example:443/otlp"]))
        #expect(env.tracesURL == "https://collector.example:443/otlp/v1/traces")
        let query = try #require(try resolve(endpoint: "http://127.0.0.1:4318/?tenant=a"))
        #expect(query.tracesURL == "http://127.0.0.1:4318/v1/traces?tenant=a")
    }

    @Test func signalEndpointsAreUsedAsTheyAre() throws {
        let config = try #require(try resolve([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:9000/custom/traces",
        ]))
        #expect(config.tracesURL == "http://b:9000/custom/traces")
        #expect(config.logsURL == "http://a:4318/v1/logs")
        // The flag wins over every environment endpoint.
        let flagged = try #require(try resolve(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:9000/t"], endpoint: "http://c:4318"))
        #expect(flagged.tracesURL == "http://c:4318/v1/traces")
    }

    @Test func headersTimeoutAndCompression() throws {
        let config = try #require(try resolve(
            ["OTEL_EXPORTER_OTLP_HEADERS": "api-key=s%3Dcret, x-tenant = t1", "OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"],
            endpoint: "http://h:1", headers: ["Authorization=Bearer abc=="], compression: "none"))
        #expect(config.headers == [.init(name: "api-key", value: "s=cret"), .init(name: "x-tenant", value: "t1"), .init(name: "Authorization", value: "Bearer abc==")])
        #expect(config.timeoutSeconds == 2.5)
        #expect(config.compression == .none)
        #expect(!"\(config.headers)".contains("abc"))
    }

    @Test func badValuesNameTheOptionAndWhatIsAccepted() {
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "127.0.0.1:4318") }
            == "--otlp-endpoint: '127.0.0.1:4318' is not accepted; expected an http:// or https:// URL such as http://127.0.0.1:4318")
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "ftp://x") }.hasPrefix("--otlp-endpoint: 'ftp://x'"))
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "http://:80") }.hasPrefix("--otlp-endpoint:"))
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h:99999") }.hasPrefix("--otlp-endpoint:"))
        #expect(message { () throws(OTLPConfigError) in try resolve(["OTEL_EXPORTER_OTLP_ENDPOINT": "nope"]) }.hasPrefix("OTEL_EXPORTER_OTLP_ENDPOINT: 'nope'"))
        #expect(message { () throws(OTLPConfigError) in try resolve(["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "x"]) }.hasPrefix("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'x'"))
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h", compression: "zstd") }
            == "--otlp-compression: 'zstd' is not accepted; expected gzip or none")
        let secret = message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h", headers: ["tokenSECRET"]) }
        #expect(secret.hasPrefix("--otlp-header:") && !secret.contains("SECRET"))
        // A bad name is not shown: curl's `Authorization: Basic …=` would put the credential there.
        let badName = message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h", headers: ["Authorization: Basic dXNlcjpwYXNz=v"]) }
        #expect(badName.hasPrefix("--otlp-header: a header name must be made of") && !badName.contains("dXNlcjpwYXNz"), "\(badName)")
        #expect(message { () throws(OTLPConfigError) in try resolve(["OTEL_EXPORTER_OTLP_TIMEOUT": "soon"], endpoint: "http://h") }.hasPrefix("OTEL_EXPORTER_OTLP_TIMEOUT: 'soon'"))
        #expect(message { () throws(OTLPConfigError) in try resolve(["OTEL_EXPORTER_OTLP_HEADERS": "k=%zz"], endpoint: "http://h") }.contains("malformed percent escape"))
    }

    @Test func batchLimitsFromTheEnvironment() throws {
        #expect(try BatchConfiguration.spans(environment: [:]) == BatchConfiguration(maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelaySeconds: 5, exportTimeoutSeconds: 30))
        #expect(try BatchConfiguration.logs(environment: [:]).scheduledDelaySeconds == 1)
        let custom = try BatchConfiguration.spans(environment: ["OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "500", "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_EXPORT_TIMEOUT": "2000"])
        #expect(custom == BatchConfiguration(maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelaySeconds: 0.25, exportTimeoutSeconds: 2))
        #expect(throws: OTLPConfigError.self) { try BatchConfiguration.logs(environment: ["OTEL_BLRP_MAX_QUEUE_SIZE": "-1"]) }
    }
}
