import CZeroMQ

/// The body of a `SocketLoop`'s dedicated thread. Owns the sockets; every zmq
/// call of the loop happens here and nowhere else.
///
/// One iteration: poll (sockets readable unless the inbound buffer is full,
/// writable where sends are pending, plus the wake-up pipe) → take queued
/// commands → flush pending sends without blocking → read what arrived → tick.
final class LoopThread {
    private let mailbox: LoopMailbox
    private let configuration: SocketLoop.Configuration
    private let sockets: SocketSet
    private let context: ZeroMQContext
    private let ownsContext: Bool
    private var pending: [FIFO<PendingSend>]
    private var poller = Poller()
    private let wakeIndex: Int
    /// Sockets that reported writable yet refused a send (a ROUTER with
    /// `routerMandatory` at a peer's high-water mark is always "writable"):
    /// retried after a short sleep instead of spinning on `zmq_poll`.
    private var stalled: [Bool]
    private static let stallRetry = Duration.milliseconds(1)
    /// Reads per socket per iteration, so one busy socket cannot starve sends or the others.
    private let readBurst = 512

    init(
        mailbox: LoopMailbox, configuration: SocketLoop.Configuration,
        sockets: SocketSet, context: ZeroMQContext, ownsContext: Bool
    ) {
        self.mailbox = mailbox
        self.configuration = configuration
        self.sockets = sockets
        self.context = context
        self.ownsContext = ownsContext
        pending = Array(repeating: FIFO(), count: sockets.sockets.count)
        stalled = Array(repeating: false, count: sockets.sockets.count)
        for socket in sockets.sockets { poller.add(socket, events: .readable) }
        wakeIndex = poller.add(fileDescriptor: mailbox.wakeup.readFD, events: .readable)
    }

    /// Creates and configures the sockets on the current thread; on failure
    /// closes the ones already made and rethrows.
    static func makeSockets(_ specs: [SocketLoop.SocketSpec], context: ZeroMQContext) throws -> SocketSet {
        var made: [Socket] = []
        do {
            for spec in specs {
                let socket = try Socket(context, spec.kind)
                made.append(socket)
                try spec.setup(socket)
            }
        } catch {
            for socket in made {
                try? socket.set(.linger, .zero)
                socket.close()
            }
            throw error
        }
        return SocketSet(ids: specs.map(\.id), sockets: made)
    }

    func run() {
        let clock = ContinuousClock()
        var nextTick = configuration.tick.map { clock.now + $0.interval }
        var stop = false
        while !stop {
            let reading = !mailbox.inbound.isPaused
            for index in sockets.sockets.indices {
                var events: PollEvents = reading ? .readable : []
                if !pending[index].isEmpty && !stalled[index] { events.insert(.writable) }
                poller.setEvents(events, at: index)
            }
            var timeout = nextTick.map { max(.zero, $0 - clock.now) }
            if stalled.contains(true) {
                timeout = min(timeout ?? Self.stallRetry, Self.stallRetry)
                stalled = stalled.map { _ in false }
            }
            do {
                try poller.poll(timeout: timeout)
            } catch {
                break  // ETERM: a shared context was terminated under us
            }
            if poller.events(at: wakeIndex).contains(.readable) { mailbox.wakeup.reset() }

            let (commands, shutdown) = mailbox.take()
            for command in commands { execute(command) }
            flushAll()
            if reading { readAll() }
            if let tick = configuration.tick, let due = nextTick, clock.now >= due {
                tick.action(sockets)
                nextTick = clock.now + tick.interval
            }
            stop = shutdown
        }
        tearDown()
    }

    private func execute(_ command: LoopCommand) {
        switch command {
        case .send(let id, let frames, let completion):
            guard let index = sockets.index(of: id) else {
                mailbox.queuedSends.subtract(1, ordering: .relaxed)
                completion?.resume(throwing: ZeroMQError(
                    code: .invalidArgument, call: "SocketLoop.send", detail: "no socket named \(id)"))
                return
            }
            pending[index].append(PendingSend(frames: frames, completion: completion))
        case .run(let body):
            body(sockets)
        }
    }

    /// Hands pending sends to libzmq until a socket would block.
    private func flushAll() {
        for index in pending.indices where !pending[index].isEmpty {
            let socket = sockets.sockets[index]
            while let next = pending[index].first {
                do {
                    try socket.send(multipart: next.frames, nonBlocking: true)
                    next.completion?.resume()
                } catch where error.code == .wouldBlock {
                    // High-water mark or no peer yet: retry when writable.
                    stalled[index] = poller.events(at: index).contains(.writable)
                    break
                } catch {
                    next.completion?.resume(throwing: error)
                }
                _ = pending[index].popFirst()
                mailbox.queuedSends.subtract(1, ordering: .relaxed)
            }
        }
    }

    private func readAll() {
        for index in sockets.sockets.indices {
            let socket = sockets.sockets[index]
            let id = sockets.ids[index]
            for _ in 0..<readBurst {
                guard let received = try? socket.receiveMultipartWithUserID(nonBlocking: true) else { break }
                if !mailbox.inbound.push(InboundMessage(socket: id, frames: received.frames, userID: received.userID)) { return }
            }
        }
    }

    /// Bounded by `shutdownLinger`: one last non-blocking flush, then every
    /// socket gets that linger and is closed here, on its thread.
    private func tearDown() {
        let stragglers = mailbox.close()
        for command in stragglers { execute(command) }
        flushAll()
        let stopped = ZeroMQError(code: .contextTerminated, call: "SocketLoop.send", detail: "socket loop shut down")
        for index in pending.indices {
            for send in pending[index].removeAll() { send.completion?.resume(throwing: stopped) }
        }
        mailbox.queuedSends.store(0, ordering: .relaxed)
        for socket in sockets.sockets {
            try? socket.set(.linger, configuration.shutdownLinger)
            socket.close()
        }
        if ownsContext { context.terminate() }
        mailbox.inbound.finish()
    }
}
