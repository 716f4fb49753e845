package io.writebehind.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a free port that forwards bytes to a server, and can be frozen: while frozen it forwards nothing, in
 * either direction, and closes nothing (a closed side is passed on only after thawing), so the client sees what a
 * network partition or a frozen server looks like: an open connection that no longer answers, and new connections
 * that are accepted but never answered. It listens on the loopback address, or on another local address (for example
 * the machine's end of a {@link NetworkNamespace} link, so that a process in the namespace reaches a server that
 * listens on 127.0.0.1 only).
 */
public final class FreezableProxy implements AutoCloseable {

	private final String targetHost;
	private final int targetPort;
	private final ServerSocket server;
	private final List<Socket> sockets = new CopyOnWriteArrayList<>();
	private final Object lock = new Object();
	private boolean frozen; // guarded by lock
	private volatile boolean closed;

	/** A proxy on a free port of the loopback address. */
	public FreezableProxy(String targetHost, int targetPort) throws IOException {
		this( InetAddress.getLoopbackAddress(), targetHost, targetPort );
	}

	/** A proxy on a free port of {@code listenAddress}, a local address. */
	public FreezableProxy(InetAddress listenAddress, String targetHost, int targetPort) throws IOException {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		this.server = new ServerSocket( 0, 50, listenAddress );
		daemon( this::accept, "test-proxy-accept" );
	}

	public int port() {
		return server.getLocalPort();
	}

	public void freeze() {
		synchronized ( lock ) {
			frozen = true;
		}
	}

	public void thaw() {
		synchronized ( lock ) {
			frozen = false;
			lock.notifyAll();
		}
	}

	private void awaitThawed() throws InterruptedException {
		synchronized ( lock ) {
			while ( frozen && !closed ) {
				lock.wait();
			}
		}
	}

	private void accept() {
		while ( !closed ) {
			try {
				Socket client = server.accept();
				sockets.add( client );
				daemon( () -> open( client ), "test-proxy-open" );
			}
			catch (IOException e) {
				return; // closed
			}
		}
	}

	private void open(Socket client) {
		try {
			awaitThawed(); // a new connection is accepted, but not answered while frozen
			Socket upstream = new Socket();
			sockets.add( upstream );
			upstream.connect( new InetSocketAddress( targetHost, targetPort ), 5_000 );
			daemon( () -> pump( client, upstream ), "test-proxy-up" );
			daemon( () -> pump( upstream, client ), "test-proxy-down" );
		}
		catch (IOException | InterruptedException e) {
			closeQuietly( client );
		}
	}

	private void pump(Socket from, Socket to) {
		byte[] buffer = new byte[8192];
		try {
			InputStream in = from.getInputStream();
			OutputStream out = to.getOutputStream();
			while ( true ) {
				int read = in.read( buffer );
				awaitThawed(); // neither bytes nor the end of the stream pass while frozen
				if ( read < 0 ) {
					break;
				}
				out.write( buffer, 0, read );
				out.flush();
			}
		}
		catch (IOException | InterruptedException e) {
			// one side is gone: close both
		}
		closeQuietly( from );
		closeQuietly( to );
	}

	@Override
	public void close() {
		closed = true;
		thaw();
		closeQuietly( server );
		for ( Socket socket : sockets ) {
			closeQuietly( socket );
		}
	}

	private static void daemon(Runnable task, String name) {
		Thread thread = new Thread( task, name );
		thread.setDaemon( true );
		thread.start();
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ignored) {
			// closing anyway
		}
	}
}
