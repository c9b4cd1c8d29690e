import Synchronization

/// Everything a `SocketLoop` shares between its callers and its thread: the
/// command queue, the wake-up, the inbound buffer and the thread's exit.
final class LoopMailbox: Sendable {
    private struct State {
        var commands: [LoopCommand] = []
        var accepting = true
        var shutdownRequested = false
    }

    private let state = Mutex(State())
    let wakeup: Wakeup
    let inbound: InboundBuffer
    let exit = ThreadExit()
    /// Messages accepted by `enqueue`/`send` and not yet handed to libzmq.
    let queuedSends = Atomic<Int>(0)
    let outboundCapacity: Int

    init(configuration: SocketLoop.Configuration) throws(ZeroMQError) {
        wakeup = try Wakeup()
        inbound = InboundBuffer(capacity: configuration.inboundCapacity, wakeup: wakeup)
        outboundCapacity = configuration.outboundCapacity
    }

    /// Queues a command; `false` once shutdown began.
    func submit(_ command: LoopCommand) -> Bool {
        let accepted = state.withLock { state in
            guard state.accepting else { return false }
            state.commands.append(command)
            return true
        }
        if accepted { wakeup.signal() }
        return accepted
    }

    /// Stops accepting commands and asks the thread to finish.
    func requestShutdown() {
        state.withLock { state in
            state.accepting = false
            state.shutdownRequested = true
        }
        wakeup.signal()
    }

    /// Loop thread: all queued commands, and whether shutdown was requested.
    func take() -> (commands: [LoopCommand], shutdown: Bool) {
        state.withLock { state in
            defer { state.commands = [] }
            return (state.commands, state.shutdownRequested)
        }
    }

    /// Loop thread, at the end: refuse further commands, return the stragglers.
    func close() -> [LoopCommand] {
        state.withLock { state in
            state.accepting = false
            defer { state.commands = [] }
            return state.commands
        }
    }
}
