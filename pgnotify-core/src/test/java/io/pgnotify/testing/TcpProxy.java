package io.pgnotify.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback between a client and a server, to cut the network in tests: {@link #blackhole()} stops
 * forwarding in both directions while keeping every socket open (no FIN, no RST), as a dead NAT or a failed network
 * does; {@link #refuse()} closes the listening socket so new connections are refused; {@link #restore()} undoes both.
 */
public final class TcpProxy implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong serverBytes = new AtomicLong();
    private volatile ServerSocket server;
    private volatile Thread acceptor;
    private volatile boolean refusing;
    private volatile boolean blackholed;
    private volatile boolean cutMidMessage;
    private volatile boolean closed;

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            this.port = PrivateDatabase.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        listen();
    }

    public int port() {
        return port;
    }

    /**
     * How many bytes the server has sent through this proxy so far, on every connection: a test can wait until the
     * server has written what it must have written before the test goes on.
     */
    public long serverBytes() {
        return serverBytes.get();
    }

    /** Stops forwarding bytes, both ways, on every connection; nothing is closed. */
    public void blackhole() {
        blackholed = true;
    }

    /**
     * Forwards only the first byte of the next bytes the server sends, then stops forwarding both ways: the client
     * has begun a message it can never finish, as when the network dies between two segments of one message.
     */
    public void cutMidMessage() {
        cutMidMessage = true;
    }

    /** Closes the listening socket and every connection: new connections are refused. */
    public synchronized void refuse() {
        refusing = true;
        closeQuietly(server);
        // A thread blocked in accept() keeps the listening socket alive in the kernel until it returns: only once
        // it has ended are new connections really refused.
        Thread current = acceptor;
        if (current != null) {
            try {
                current.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    /** Forwards again and accepts new connections. */
    public synchronized void restore() {
        blackholed = false;
        cutMidMessage = false;
        refusing = false;
        if (server == null || server.isClosed()) {
            listen();
        }
    }

    private synchronized void listen() {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = socket;
            Thread thread = new Thread(() -> accept(socket), "tcp-proxy-accept-" + port);
            thread.setDaemon(true);
            acceptor = thread;
            thread.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                if (refusing) {
                    closeQuietly(client);
                    return;
                }
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, true);
            } catch (IOException e) {
                // closed or refused: stop accepting on this socket
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromServer) {
        Thread thread = new Thread(
                () -> {
                    byte[] buffer = new byte[16384];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            if (fromServer) {
                                serverBytes.addAndGet(n);
                            }
                            if (fromServer && cutMidMessage && n > 1) {
                                synchronized (this) {
                                    if (cutMidMessage) {
                                        out.write(buffer, 0, 1);
                                        out.flush();
                                        blackholed = true;
                                        cutMidMessage = false;
                                    }
                                }
                            }
                            while (blackholed && !closed && !from.isClosed()) {
                                Thread.onSpinWait();
                                Thread.sleep(5); // holding bytes back, not synchronising a test
                            }
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // one side closed
                    } finally {
                        if (!blackholed) {
                            closeQuietly(from);
                            closeQuietly(to);
                        }
                    }
                },
                "tcp-proxy-pump-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void close() {
        closed = true;
        refuse();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }
}
