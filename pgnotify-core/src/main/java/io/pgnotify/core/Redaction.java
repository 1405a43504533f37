package io.pgnotify.core;

import java.util.regex.Pattern;

/**
 * Keeps credentials out of messages: URLs are shown without user, password or query parameters, and the server's
 * messages without role names.
 */
final class Redaction {

    private static final Pattern USER_INFO = Pattern.compile("//[^/@?]*@");

    /** PostgreSQL names the role in its login errors: {@code role "app" does not exist}, {@code for user "app"}. */
    private static final Pattern ROLE = Pattern.compile("\\b(role|user) \"(?:[^\"]|\"\")*\"");

    private Redaction() {}

    static String url(String url) {
        String withoutQuery = url.indexOf('?') >= 0 ? url.substring(0, url.indexOf('?')) : url;
        return USER_INFO.matcher(withoutQuery).replaceFirst("//");
    }

    static String serverMessage(String message) {
        return ROLE.matcher(message).replaceAll("$1 \"…\"");
    }

    /**
     * A message for logs and health: the exception's type and message, which pgjdbc keeps free of passwords, without
     * the role names the server puts in its login errors.
     */
    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + serverMessage(message));
    }
}
