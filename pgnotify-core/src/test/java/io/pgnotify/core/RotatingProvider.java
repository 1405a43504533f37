package io.pgnotify.core;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicReference;

/** A listening provider whose next connection can be made to fail, for rotations that go wrong. */
final class RotatingProvider implements ConnectionProvider {

    /** What the next connection does. */
    enum Next {
        WORKS,
        REFUSED,
        LISTEN_FAILS,
        /** Runs {@link #beforeNext} (say, terminating the old backend), then works. */
        HOOK
    }

    private final ConnectionProvider direct;
    final AtomicReference<Next> next = new AtomicReference<>(Next.WORKS);
    volatile Runnable beforeNext = () -> {};

    RotatingProvider(ConnectionProvider direct) {
        this.direct = direct;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Next mode = next.getAndSet(Next.WORKS);
        switch (mode) {
            case REFUSED -> throw new SQLException("Connection refused (injected)", "08001");
            case HOOK -> beforeNext.run();
            default -> {}
        }
        Connection real = direct.getConnection();
        return mode == Next.LISTEN_FAILS ? listenFails(real) : real;
    }

    /** A connection on which every LISTEN fails as if the server went away. */
    private static Connection listenFails(Connection real) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    if (method.getName().equals("createStatement") && result instanceof Statement statement) {
                        return Proxy.newProxyInstance(
                                Statement.class.getClassLoader(), new Class<?>[] {Statement.class}, (p, m, a) -> {
                                    if (m.getName().equals("execute")
                                            && a != null
                                            && String.valueOf(a[0]).startsWith("LISTEN")) {
                                        throw new SQLException("LISTEN failed (injected)", "08006");
                                    }
                                    return invoke(statement, m, a);
                                });
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
