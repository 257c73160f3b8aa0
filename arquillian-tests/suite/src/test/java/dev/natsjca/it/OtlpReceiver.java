package dev.natsjca.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;

/**
 * A real OTLP/HTTP receiver (what a collector offers on port 4318): accepts
 * {@code POST /v1/traces} with an {@code ExportTraceServiceRequest} in protobuf (gzip-compressed
 * or not), answers 200 to every path (the server also sends logs and metrics), and decodes the
 * spans with protobuf's own wire parser, by the field numbers of opentelemetry-proto's
 * {@code trace.proto}: ResourceSpans 1 → ScopeSpans 2 → Span 2 (trace_id 1, span_id 2,
 * parent_span_id 4, name 5, kind 6, attributes 9).
 */
final class OtlpReceiver implements AutoCloseable {

    /** One exported span. */
    record ExportedSpan(String traceId, String spanId, String parentSpanId, String name, int kind,
                        List<String> attributeKeys) {
        static final int KIND_CONSUMER = 5;
    }

    private final HttpServer server;
    private final List<ExportedSpan> spans = new CopyOnWriteArrayList<>();

    OtlpReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            try (InputStream raw = exchange.getRequestBody()) {
                byte[] body = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                        ? new GZIPInputStream(raw).readAllBytes() : raw.readAllBytes();
                if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
                    spans.addAll(decode(body));
                }
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    List<ExportedSpan> spans() {
        return List.copyOf(spans);
    }

    static List<ExportedSpan> decode(byte[] request) throws IOException {
        List<ExportedSpan> out = new ArrayList<>();
        for (ByteString resourceSpans : messages(UnknownFieldSet.parseFrom(request), 1)) {
            for (ByteString scopeSpans : messages(UnknownFieldSet.parseFrom(resourceSpans), 2)) {
                for (ByteString span : messages(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
                    UnknownFieldSet s = UnknownFieldSet.parseFrom(span);
                    List<String> keys = new ArrayList<>();
                    for (ByteString kv : messages(s, 9)) {
                        keys.add(messages(UnknownFieldSet.parseFrom(kv), 1).get(0).toStringUtf8());
                    }
                    out.add(new ExportedSpan(hex(s, 1), hex(s, 2), hex(s, 4), text(s, 5),
                            s.hasField(6) && !s.getField(6).getVarintList().isEmpty()
                                    ? s.getField(6).getVarintList().get(0).intValue() : 0, keys));
                }
            }
        }
        return out;
    }

    private static List<ByteString> messages(UnknownFieldSet set, int field) {
        return set.hasField(field) ? set.getField(field).getLengthDelimitedList() : List.of();
    }

    private static String hex(UnknownFieldSet set, int field) {
        List<ByteString> v = messages(set, field);
        return v.isEmpty() ? "" : HexFormat.of().formatHex(v.get(0).toByteArray());
    }

    private static String text(UnknownFieldSet set, int field) {
        List<ByteString> v = messages(set, field);
        return v.isEmpty() ? "" : v.get(0).toStringUtf8();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
