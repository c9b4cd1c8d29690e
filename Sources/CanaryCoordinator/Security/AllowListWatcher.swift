import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the allow-list on SIGHUP and when its files change (checked
/// every `checkMs`): an operator adds or revokes an agent key without a
/// restart. Part of the coordinator's `ServiceGroup`.
struct AllowListWatcher: Service {
    let store: AllowListStore
    let checkMs: Int64
    let logger: Logger

    func run() async {
        let store = store, checkMs = checkMs
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    // Trapping SIGHUP also stops it from killing the process.
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        store.reload(because: "SIGHUP")
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: .milliseconds(checkMs)) } catch { return }
                        store.reloadIfChanged()
                    }
                }
            }
        }
    }
}
