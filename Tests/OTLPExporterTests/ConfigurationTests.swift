import CurlClient
import Foundation
@_spi(Pipeline) import OTLPExporter
import Testing

/// The OTEL_* environment over the code's configuration, and the command's flags over both.
@Suite struct ConfigurationTests {
    /// `code` with `environment` over it, and the warnings it gave.
    func apply(_ environment: [String: String], to code: OTLPConfiguration = OTLPConfiguration()) -> (OTLPConfiguration, [String]) {
        var warnings: [String] = []
        let result = code.applyingEnvironment(environment, warn: { warnings.append($0) })
        return (result, warnings)
    }

    func resolve(_ environment: [String: String] = [:], endpoint: String? = nil, headers: [String] = [], compression: String? = nil) throws(OTLPConfigError) -> OTLPHTTPConfiguration? {
        try OTLPHTTPConfiguration.resolve(
            settings: apply(environment).0, endpoint: endpoint.map { .init($0, from: "--otlp-endpoint") },
            headers: headers.map { .init($0, from: "--otlp-header") }, compression: compression.map { .init($0, from: "--otlp-compression") })
    }

    func message(_ body: () throws(OTLPConfigError) -> OTLPHTTPConfiguration?) -> String {
        do {
            _ = try body()
            return "accepted"
        } catch { return error.message }
    }

    @Test func theDefaultsAreTheSpecifications() {
        let (defaults, warnings) = apply([:])
        #expect(warnings.isEmpty)
        let destinations = defaults.destinations
        #expect(destinations.traces?.url == "http://localhost:4318/v1/traces")
        #expect(destinations.logs?.url == "http://localhost:4318/v1/logs")
        #expect(destinations.traces?.compression == .gzip && destinations.traces?.timeoutSeconds == 10 && destinations.traces?.tls == nil)
        #expect(defaults.sampler == .parentBased(root: .alwaysOn))
        #expect(defaults.propagators == [.traceContext, .baggage])
        #expect(defaults.traces.batch == BatchConfiguration(maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelaySeconds: 5, exportTimeoutSeconds: 30))
        #expect(defaults.logs.batch.scheduledDelaySeconds == 1)
        #expect(!defaults.isDisabled)
    }

    /// Every variable of the docs' table, with a value that works (and what it sets) and one that does not:
    /// the bad one is one warning naming the variable, and the setting keeps its default.
    @Test(arguments: [
        ("OTEL_SDK_DISABLED", "TRUE", "maybe"),
        ("OTEL_SERVICE_NAME", "billing", ""),
        ("OTEL_RESOURCE_ATTRIBUTES", "team=a%20b", "broken"),
        ("OTEL_LOG_LEVEL", "error", "loud"),
        ("OTEL_TRACES_EXPORTER", "console", "zipkin"),
        ("OTEL_LOGS_EXPORTER", "none", "syslog"),
        ("OTEL_PROPAGATORS", "tracecontext", "b3"),
        ("OTEL_TRACES_SAMPLER", "always_off", "jaeger_remote"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c.example:443", "c.example:4318"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/x", "ftp://t"),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://l:1/y", "http://user:pw@l:1"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "k=v", "novalue"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "k=v", "k=%zz"),
        ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "k=v", "bad name=v"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "none", "deflate"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none", "zstd"),
        ("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "NONE", "br"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500", "-1"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500", "soon"),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "2500", "1.5"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/hostname", "/no/such/ca.pem"),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/hostname", "/no/such/cert.pem"),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/hostname", "/no/such/key.pem"),
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/etc/hostname", "/no/such/t.pem"),
        ("OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "/etc/hostname", "/no/such/l.pem"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100", "-1"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "50", "0"),
        ("OTEL_BSP_SCHEDULE_DELAY", "250", "abc"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "2000", "-5"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "100", "99999999999"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "50", "x"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "250", "-1"),
        ("OTEL_BLRP_EXPORT_TIMEOUT", "2000", "ten"),
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "10", "-1"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0", "long"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "10", "1e3"),
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64", "-64"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "0", "x"),
        ("OTEL_SPAN_LINK_COUNT_LIMIT", "5", "y"),
        ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "5", "-2"),
        ("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "5", "3.5"),
        ("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "5", "many"),
        ("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100", "99999999999"),
    ])
    func eachVariableValidAndInvalid(name: String, good: String, bad: String) {
        let defaults = OTLPConfiguration()
        let (applied, goodWarnings) = apply([name: good])
        #expect(goodWarnings.isEmpty, "\(name)=\(good): \(goodWarnings)")
        #expect(applied != defaults, "\(name)=\(good) changed nothing")
        let (ignored, badWarnings) = apply([name: bad])
        if bad.isEmpty {
            // Empty is unset.
            #expect(badWarnings.isEmpty && ignored == defaults)
            return
        }
        #expect(badWarnings.count == 1 && badWarnings[0].hasPrefix(name + ":"), "\(name)=\(bad): \(badWarnings)")
        if name == "OTEL_SDK_DISABLED" {
            // A Boolean that is not "true" is false.
            #expect(!ignored.isDisabled)
        } else if name.hasSuffix("S_HEADERS") {
            // A signal's own list that cannot be read sends no headers, never the shared ones.
            #expect(ignored.traces.headers == (name.contains("TRACES") ? [] : nil) && ignored.logs.headers == (name.contains("LOGS") ? [] : nil))
        } else {
            #expect(ignored == defaults, "\(name)=\(bad) was not ignored")
        }
    }

    @Test func whatTheValuesSet() {
        let (config, warnings) = apply([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://c.example:443/otlp", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=s%3Dcret, x-tenant = t1",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_COMPRESSION": "none", "OTEL_BSP_MAX_QUEUE_SIZE": "100",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "500", "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_EXPORT_TIMEOUT": "2000",
            "OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/hostname",
        ])
        #expect(warnings.isEmpty)
        let traces = config.destinations.traces
        #expect(traces?.url == "https://c.example:443/otlp/v1/traces")
        #expect(traces?.headers == [.init(name: "api-key", value: "s=cret"), .init(name: "x-tenant", value: "t1")])
        #expect(traces?.timeoutSeconds == 2.5 && traces?.compression == OTLPHTTPConfiguration.Compression.none)
        #expect(traces?.tls == TLSFiles(certificateAuthorityFile: "/etc/hostname"))
        // The batch size is capped at the queue size.
        #expect(config.traces.batch == BatchConfiguration(maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelaySeconds: 0.25, exportTimeoutSeconds: 2))
        // A timeout of 0 is no limit (a very long one).
        let (forever, _) = apply(["OTEL_EXPORTER_OTLP_TIMEOUT": "0", "OTEL_BLRP_EXPORT_TIMEOUT": "0"])
        #expect(forever.timeoutSeconds > 1_000_000 && forever.logs.batch.exportTimeoutSeconds > 1_000_000)
    }

    @Test func aSignalsOwnVariableWinsForItsSignal() {
        let (config, warnings) = apply([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:9000/custom/traces",
            "OTEL_EXPORTER_OTLP_HEADERS": "k=shared", "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "k=logs",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "none", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "1000", "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "3000",
            "OTEL_EXPORTER_OTLP_CLIENT_KEY": "/etc/hostname", "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY": "/etc/passwd",
        ])
        #expect(warnings.isEmpty)
        let traces = config.destinations.traces, logs = config.destinations.logs
        #expect(traces?.url == "http://b:9000/custom/traces" && logs?.url == "http://a:4318/v1/logs")
        #expect(traces?.headers.first?.value == "shared" && logs?.headers.first?.value == "logs")
        #expect(traces?.compression == .gzip && logs?.compression == OTLPHTTPConfiguration.Compression.none)
        #expect(traces?.timeoutSeconds == 1 && logs?.timeoutSeconds == 3)
        #expect(traces?.tls?.clientKeyFile == "/etc/hostname" && logs?.tls?.clientKeyFile == "/etc/passwd")
        // With only one signal's endpoint set, the other goes to the default, not nowhere.
        let (one, _) = apply(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:9000/t"])
        #expect(one.destinations.logs?.url == "http://localhost:4318/v1/logs")
    }

    @Test func theEnvironmentWinsOverTheCodeAndABadValueKeepsTheCodes() {
        var code = OTLPConfiguration(serviceName: "code")
        code.endpoint = "http://code:4318"
        code.timeoutSeconds = 3
        code.sampler = .alwaysOff
        let (over, _) = apply(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318", "OTEL_SERVICE_NAME": "env", "OTEL_TRACES_SAMPLER": "always_on"], to: code)
        #expect(over.endpoint == "http://env:4318" && over.serviceName == "env" && over.sampler == .alwaysOn)
        let (kept, warnings) = apply(["OTEL_EXPORTER_OTLP_ENDPOINT": "nope", "OTEL_EXPORTER_OTLP_TIMEOUT": "-3", "OTEL_TRACES_SAMPLER": "sometimes"], to: code)
        #expect(warnings.count == 3)
        #expect(kept == code)
    }

    @Test func aSignalsOwnLimitWinsOverTheSharedOne() {
        let (config, warnings) = apply([
            "OTEL_ATTRIBUTE_COUNT_LIMIT": "10", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "20", "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT": "30",
            "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "40",
        ])
        #expect(warnings.isEmpty)
        #expect(config.spanLimits.attributes == AttributeLimits(count: 10, valueLength: 40))
        #expect(config.logLimits == AttributeLimits(count: 30, valueLength: 20))
        #expect(config.spanLimits.eventCount == 128)
    }

    @Test func exportersAndPropagatorsAreLists() {
        #expect(apply(["OTEL_TRACES_EXPORTER": "otlp, console,otlp"]).0.traces.exporters == [.otlp, .console])
        #expect(apply(["OTEL_TRACES_EXPORTER": "none"]).0.destinations.traces == nil)
        // An unknown entry is left out of a list that has known ones, with a warning.
        let (mixed, warnings) = apply(["OTEL_LOGS_EXPORTER": "console,zipkin"])
        #expect(mixed.logs.exporters == [.console] && warnings == ["OTEL_LOGS_EXPORTER: 'zipkin' is not supported; expected otlp, console or none; left out"])
        #expect(apply(["OTEL_PROPAGATORS": "none"]).0.propagators.isEmpty)
        #expect(apply(["OTEL_PROPAGATORS": "baggage,tracecontext"]).0.propagators == [.baggage, .traceContext])
    }

    @Test func samplersAndTheirArgument() {
        #expect(apply(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"]).0.sampler == .traceIDRatio(0.25))
        #expect(apply(["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"]).0.sampler == .parentBased(root: .traceIDRatio(0)))
        #expect(apply(["OTEL_TRACES_SAMPLER": "PARENTBASED_ALWAYS_OFF"]).0.sampler == .parentBased(root: .alwaysOff))
        // The argument alone does nothing; a bad argument is warned about and taken as 1.
        #expect(apply(["OTEL_TRACES_SAMPLER_ARG": "0.5"]).0.sampler == .parentBased(root: .alwaysOn))
        let (bad, warnings) = apply(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"])
        #expect(bad.sampler == .traceIDRatio(1) && warnings.count == 1 && warnings[0].hasPrefix("OTEL_TRACES_SAMPLER_ARG: '1.5'"))
    }

    @Test func aProtocolOtherThanHTTPJSONIsAWarningNotAStop() {
        func warning(_ environment: [String: String], _ signals: [OTLPSignal] = [.traces, .logs]) -> String? {
            OTLPHTTPConfiguration.protocolWarning(environment: environment, signals: signals)
        }
        #expect(warning(["OTEL_EXPORTER_OTLP_PROTOCOL": " HTTP/JSON "]) == nil)
        #expect(warning(["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
            == "OTEL_EXPORTER_OTLP_PROTOCOL=grpc: this exporter sends OTLP/HTTP with JSON only (the protocols are grpc, http/protobuf, http/json); http/json is used")
        // The per-signal form wins for its signal; only exported signals are checked (nothing when nothing is).
        #expect(warning([
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/json",
        ]) == nil)
        #expect(warning(["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "grpc"], [.traces]) == nil)
        #expect(warning(["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"], []) == nil)
        #expect(apply(["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"]).1.isEmpty)
        let logs = warning(["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/protobuf\u{1B}[31m"])
        #expect(logs?.hasPrefix(#"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/protobuf\u001b[31m: "#) == true, "\(logs ?? "")")
    }

    /// What the hostile pass found: a bad signal list never falls back to another collector's credentials,
    /// headers that frame the body are refused, a device is no certificate, commas alone say nothing, a
    /// query's token is not shown, a base URL that already ends in a signal's path is pointed out.
    @Test func whatCannotBeUsedIsNeverWorse() {
        let (config, warnings) = apply([
            "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20A", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization=Bearer B%zz",
        ])
        #expect(config.destinations.traces?.headers == [] && config.destinations.logs?.headers.count == 1)
        #expect(warnings.count == 1 && warnings[0].hasSuffix("no headers are sent with traces (not the shared ones)"), "\(warnings)")
        let framing = apply(["OTEL_EXPORTER_OTLP_HEADERS": "Content-Length=5"])
        #expect(framing.0.headers.isEmpty && framing.1.first?.contains("header 'Content-Length' is set by the exporter itself") == true)
        let device = apply(["OTEL_EXPORTER_OTLP_CERTIFICATE": "/dev/null", "OTEL_EXPORTER_OTLP_CLIENT_KEY": "/tmp"])
        #expect(device.0.tls.isEmpty && device.1.count == 2)
        let commas = apply(["OTEL_TRACES_EXPORTER": " , "])
        #expect(commas.0.traces.exporters == [.otlp] && commas.1.count == 1)
        let doubled = apply(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://h:4318/v1/traces?key=SECRET"])
        #expect(doubled.1.count == 1 && doubled.1[0].contains("already ends in a signal's path") && !doubled.1[0].contains("SECRET"))
        let exporter = OTLPHTTPExporter(destination: .init(url: "http://h:4318/v1/traces?token=SECRET"), userAgent: "t", report: { _ in })
        #expect(!exporter.destination.contains("SECRET"))
        let long = apply(["OTEL_BSP_MAX_QUEUE_SIZE": String(repeating: "9", count: 5000)])
        #expect(long.1.count == 1 && long.1[0].count < 400)
    }

    @Test func secretsAreNeverInAWarning() {
        let (_, warnings) = apply([
            "OTEL_EXPORTER_OTLP_HEADERS": "Authorization: Basic dXNlcjpwYXNz=v", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=SECRET%zz",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:hunter2@c:4318",
        ])
        #expect(warnings.count == 3)
        #expect(!warnings.joined().contains("dXNlcjpwYXNz") && !warnings.joined().contains("SECRET") && !warnings.joined().contains("hunter2"), "\(warnings)")
    }

    // The command's flags over the environment.

    @Test func noEndpointMeansNoExportForTheCommand() throws {
        #expect(try resolve() == nil)
        #expect(try resolve(["OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://h:1"]) == nil)
        // An endpoint that cannot be used is a warning, and (with no other) no export.
        #expect(try resolve(["OTEL_EXPORTER_OTLP_ENDPOINT": "nope"]) == nil)
    }

    @Test func eachDestinationHasItsOwnSpoolStreams() throws {
        func tag(_ endpoint: String, _ headers: [String] = []) throws -> String {
            let config = try #require(try resolve(endpoint: endpoint, headers: headers))
            return Spool.prefix("traces", destination: config.destinationIdentity(for: .traces))
        }
        let base = try tag("http://127.0.0.1:4318", ["Authorization=Bearer A"])
        #expect(try tag("http://127.0.0.1:4318", ["Authorization=Bearer A"]) == base)
        // Another tenant's token, another path or another query: other streams, never drained with these.
        #expect(try tag("http://127.0.0.1:4318", ["Authorization=Bearer B"]) != base)
        #expect(try tag("http://127.0.0.1:4318/tenantA", ["Authorization=Bearer A"]) != tag("http://127.0.0.1:4318/tenantB", ["Authorization=Bearer A"]))
        #expect(try tag("http://127.0.0.1:4318/?token=A") != tag("http://127.0.0.1:4318/?token=B"))
    }

    @Test func genericEndpointsGetTheSignalPath() throws {
        let flag = try #require(try resolve(endpoint: "http://127.0.0.1:4318/"))
        #expect(flag.traces?.url == "http://127.0.0.1:4318/v1/traces")
        #expect(flag.logs?.url == "http://127.0.0.1:4318/v1/logs")
        let query = try #require(try resolve(endpoint: "http://127.0.0.1:4318/?tenant=a"))
        #expect(query.traces?.url == "http://127.0.0.1:4318/v1/traces?tenant=a")
    }

    @Test func theFlagsWin() throws {
        let flagged = try #require(try resolve(
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:9000/t", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=k", "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "gzip"],
            endpoint: "http://c:4318", headers: ["Authorization=Bearer abc=="], compression: "none"))
        #expect(flagged.traces?.url == "http://c:4318/v1/traces")
        #expect(flagged.logs?.headers == [.init(name: "api-key", value: "k"), .init(name: "Authorization", value: "Bearer abc==")])
        #expect(flagged.logs?.compression == OTLPHTTPConfiguration.Compression.none)
        let shown = "\(flagged.logs?.headers ?? [])"
        #expect(!shown.contains("abc=="), "\(shown)")
        // OTEL_LOGS_EXPORTER=none leaves the command's logs out too; with every signal out, nothing is exported.
        #expect(try resolve(["OTEL_LOGS_EXPORTER": "none"], endpoint: "http://c:4318")?.signals == [.traces, .metrics])
        #expect(try resolve(["OTEL_LOGS_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"], endpoint: "http://c:4318")?.signals == [.traces])
        #expect(try resolve(
            ["OTEL_LOGS_EXPORTER": "none", "OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none"], endpoint: "http://c:4318") == nil)
        #expect(flagged.metrics?.url == "http://c:4318/v1/metrics")
        #expect(flagged.metrics?.headers == flagged.logs?.headers, "the flags' headers go with every signal")
    }

    @Test func badFlagsNameTheOptionAndWhatIsAccepted() {
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "127.0.0.1:4318") }
            == "--otlp-endpoint: '127.0.0.1:4318' is not accepted; expected an http:// or https:// URL such as http://127.0.0.1:4318")
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "ftp://x") }.hasPrefix("--otlp-endpoint: 'ftp://x'"))
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "http://:80") }.hasPrefix("--otlp-endpoint:"))
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h:99999") }.hasPrefix("--otlp-endpoint:"))
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h", compression: "zstd") }
            == "--otlp-compression: 'zstd' is not accepted; expected gzip or none")
        let secret = message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h", headers: ["tokenSECRET"]) }
        #expect(secret.hasPrefix("--otlp-header:") && !secret.contains("SECRET"))
        // A bad name is not shown: curl's `Authorization: Basic …=` would put the credential there.
        let badName = message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h", headers: ["Authorization: Basic dXNlcjpwYXNz=v"]) }
        #expect(badName.hasPrefix("--otlp-header: a header name must be made of") && !badName.contains("dXNlcjpwYXNz"), "\(badName)")
        #expect(message { () throws(OTLPConfigError) in try resolve(endpoint: "http://h", headers: ["Transfer-Encoding=chunked"]) }
            == "--otlp-header: header 'Transfer-Encoding' is set by the exporter itself (it frames and describes the body); expected any other header")
        // A flag is checked even when the environment turned export off.
        #expect(message { () throws(OTLPConfigError) in try resolve(["OTEL_SDK_DISABLED": "true"], compression: "zstd") }.hasPrefix("--otlp-compression:"))
    }
}
