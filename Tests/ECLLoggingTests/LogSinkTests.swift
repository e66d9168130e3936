import ECLLogging
import Foundation
import Logging
import Testing

@Suite struct LogSinkTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-sink-\(UUID()).log").path

    @Test func fileOutputIsAppendedNeverTruncated() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "earlier line\n".write(toFile: path, atomically: true, encoding: .utf8)
        let sink = try LogSink(output: .file(path))
        sink.write(line: Array("new line".utf8))
        sink.close()
        sink.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "earlier line\nnew line\n")
    }

    @Test func anUnwritableFileNamesPathAndReason() {
        #expect {
            try LogSink(output: .file("/nonexistent-dir/ecl.log"))
        } throws: { error in
            let message = (error as? LogConfigError)?.message ?? ""
            return message.contains("/nonexistent-dir/ecl.log") && message.contains("No such file or directory")
        }
    }

    @Test func concurrentLinesNeverInterleaveOrTear() async throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try LogSink(output: .file(path))
        let factory = try ECLLoggingSystem.handlerFactory(config: LogConfig(format: .json), sink: sink)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let logger = Logger(label: "test.\(task)", factory: factory)
                    for index in 0..<2000 {
                        logger.info("line", metadata: ["task": .stringConvertible(task), "index": .stringConvertible(index), "pad": .string(String(repeating: "x", count: index % 300))])
                    }
                }
            }
        }
        sink.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 16_000)
        var seen: [Int: Int] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let task = try #require(object["task"] as? Int)
            // Each task's lines arrive whole and in its own order.
            #expect(object["index"] as? Int == seen[task, default: 0])
            seen[task, default: 0] += 1
        }
    }

    @Test func linesThatCannotBeWrittenAreCountedWithTheReason() throws {
        let sink = try LogSink(output: .file("/dev/full"))
        for index in 0..<5 { sink.write(line: Array("line \(index)".utf8)) }
        sink.flush()
        #expect(sink.lost.lines == 5)
        #expect(sink.lost.reason == String(cString: strerror(ENOSPC)))
        sink.close()
    }

    @Test func memorySinkCapturesLines() {
        let sink = LogSink.memory()
        sink.write(line: Array("a".utf8))
        sink.flush()
        #expect(sink.lines == ["a"])
    }
}
