// shm-writer: a separate writer process for CanaryShmTests (not shipped).
//
//   shm-writer write NAME MODEL VERSION WRITER_ID COUNT
//       records COUNT inferences; sample i has key (WRITER_ID << 32 | i),
//       latency key &* 3 &+ 7 ns and class i % 10, so a reader can check
//       every field it reads against the key.
//   shm-writer claim-and-hang NAME MODEL VERSION
//       records 5 samples, claims one more ticket without committing it,
//       prints "claimed TICKET" and sleeps until killed: a writer that dies
//       between claim and commit.
@_spi(Testing) import CanaryShm
#if canImport(Glibc)
import Glibc
#endif

let args = CommandLine.arguments
/// Unbuffered output: the parent reads "claimed N" before killing us.
func say(_ fd: Int32, _ text: String) {
    var line = text + "\n"
    line.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
}
func fail(_ message: String) -> Never {
    say(2, "shm-writer: \(message)")
    exit(2)
}
guard args.count >= 5 else { fail("usage: shm-writer write|claim-and-hang NAME MODEL VERSION [WRITER_ID COUNT]") }
let config = RingConfiguration(name: args[2], model: args[3], version: args[4], readyTimeout: .seconds(2))
let recorder: SampleRecorder
do { recorder = try SampleRecorder(config) } catch { fail("\(error)") }

switch args[1] {
case "write":
    guard args.count == 7, let writer = UInt64(args[5]), let count = UInt64(args[6]) else { fail("write needs WRITER_ID COUNT") }
    for i in 0..<count {
        let key = writer << 32 | i
        recorder.record(latencyNanoseconds: key &* 3 &+ 7, status: .ok, prediction: .classIndex(Int32(i % 10)),
                        confidence: nil, key: key)
    }
    say(1, "wrote \(count)")
case "claim-and-hang":
    for i in 0..<5 as Range<UInt64> { recorder.record(latencyNanoseconds: i, key: i) }
    let ticket = recorder.claimWithoutCommit()
    say(1, "claimed \(ticket)")
    while true { sleep(60) }
default:
    fail("unknown mode \(args[1])")
}
