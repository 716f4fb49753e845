package io.writebehind.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Linux network namespace that a test makes for itself ({@code ip netns}, veth pairs), to run a process (a node JVM)
 * behind links the test can cut the way a real partition does: packets vanish, so connections neither fail nor answer
 * (no refusal, no reset), and mend again. The machine's shared services and network are never touched: every link is a
 * new veth pair whose two ends get a {@code /30} of {@code 127.0.0.0/8} ({@code route_localnet} on both ends), so
 * nothing leaves the machine, and {@link #close} deletes the namespace and its links.
 *
 * <pre>{@code
 * try ( NetworkNamespace ns = NetworkNamespace.create() ) {
 *     NetworkNamespace.Link db = ns.link();        // the node's way to the database
 *     NetworkNamespace.Link cluster = ns.link();   // its way to Redis and the other nodes
 *     try ( FreezableProxy pg = new FreezableProxy( db.hostAddress(), "127.0.0.1", 5432 ) ) {
 *         Process node = ns.builder( ChildJvm.command( List.of(), NodeMain.class,
 *                 "jdbc:postgresql://" + db.hostAddress().getHostAddress() + ":" + pg.port() + "/test" ) ).start();
 *         cluster.cut();                             // cut off from the others, still reaching the database
 *         cluster.mend();
 *     }
 * }
 * }</pre>
 *
 * A server that the process in the namespace must reach listens on the link's {@link Link#hostAddress()} (or a
 * {@link FreezableProxy} there forwards to it); a server in the namespace is reached at {@link Link#address()}.
 * Needs root (CAP_NET_ADMIN) and iproute2's {@code ip}: without them {@link #create} throws and says so.
 */
public final class NetworkNamespace implements AutoCloseable {

	private static final AtomicInteger NAMESPACES = new AtomicInteger();
	private static final long PID = ProcessHandle.current().pid();

	private final String name;
	private final int index;
	/** Guarded by {@code this}: links are made and closed by the test's thread, read by any. */
	private final List<Link> links = new ArrayList<>();
	private boolean closed;

	private NetworkNamespace(String name, int index) {
		this.name = name;
		this.index = index;
	}

	/** Makes a new namespace, with its loopback up. */
	public static NetworkNamespace create() {
		int index = NAMESPACES.getAndIncrement();
		if ( index >= 16 ) {
			throw new IllegalStateException( "a test JVM makes at most 16 network namespaces" );
		}
		String name = "wbt-" + PID + "-" + index;
		// a namespace of an earlier JVM with the same process id that was killed before it could clean up
		quietly( "ip", "netns", "del", name );
		ip( "netns", "add", name );
		NetworkNamespace namespace = new NetworkNamespace( name, index );
		try {
			namespace.inside( "ip", "link", "set", "lo", "up" );
		}
		catch (RuntimeException e) {
			namespace.close();
			throw e;
		}
		return namespace;
	}

	public String name() {
		return name;
	}

	/**
	 * A new link between this machine and the namespace: a veth pair, the machine's end {@link Link#hostAddress()}
	 * and the namespace's end {@link Link#address()} in a {@code /30} of its own, both up.
	 */
	public synchronized Link link() {
		if ( closed ) {
			throw new IllegalStateException( "namespace " + name + " is closed" );
		}
		int number = links.size();
		if ( number >= 4 ) {
			throw new IllegalStateException( "a namespace has at most 4 links" );
		}
		// 127.(100 + pid's high bits).(pid's low bits).(16 * namespace + 4 * link + 1 | 2): distinct per JVM and link
		int block = index * 16 + number * 4;
		String prefix = "127." + ( 100 + ( PID >> 8 ) % 100 ) + "." + ( PID & 0xff ) + ".";
		String hostAddress = prefix + ( block + 1 );
		String address = prefix + ( block + 2 );
		String hostEnd = "wb" + PID + "h" + index + number;
		String namespaceEnd = "wb" + PID + "n" + index + number;
		if ( hostEnd.length() > 15 ) {
			throw new IllegalStateException( "interface name too long: " + hostEnd );
		}
		quietly( "ip", "link", "del", hostEnd ); // left by a killed JVM with the same process id
		ip( "link", "add", hostEnd, "type", "veth", "peer", "name", namespaceEnd );
		Link link = new Link( hostEnd, namespaceEnd, hostAddress, address );
		links.add( link );
		ip( "link", "set", namespaceEnd, "netns", name );
		ip( "addr", "add", hostAddress + "/30", "dev", hostEnd );
		run( List.of( "sysctl", "-qw", "net.ipv4.conf." + hostEnd + ".route_localnet=1" ) );
		ip( "link", "set", hostEnd, "up" );
		inside( "ip", "addr", "add", address + "/30", "dev", namespaceEnd );
		inside( "sysctl", "-qw", "net.ipv4.conf." + namespaceEnd + ".route_localnet=1" );
		inside( "ip", "link", "set", namespaceEnd, "up" );
		// each end knows the other's hardware address for good: no ARP, so that a cut link is silent (an unanswered
		// ARP request would turn into "no route to host" after a few seconds, which a real partition does not say)
		String hostMac = run( List.of( "cat", "/sys/class/net/" + hostEnd + "/address" ) );
		String namespaceMac = inside( "cat", "/sys/class/net/" + namespaceEnd + "/address" );
		ip( "neigh", "replace", address, "lladdr", namespaceMac, "dev", hostEnd, "nud", "permanent" );
		inside( "ip", "neigh", "replace", hostAddress, "lladdr", hostMac, "dev", namespaceEnd, "nud", "permanent" );
		link.awaitUp();
		return link;
	}

	/** {@code command} run inside the namespace ({@code ip netns exec <name> command...}). */
	public List<String> command(List<String> command) {
		List<String> inside = new ArrayList<>( List.of( "ip", "netns", "exec", name ) );
		inside.addAll( command );
		return inside;
	}

	/** A process builder for {@code command} run inside the namespace, in this JVM's working directory. */
	public ProcessBuilder builder(List<String> command) {
		return ChildJvm.builder( command( command ) );
	}

	/** Runs a command inside the namespace and waits for it; throws with its output when it fails. */
	public String inside(String... command) {
		return run( command( List.of( command ) ) );
	}

	/** Deletes the links and the namespace (processes still inside it lose their network; stop them first). */
	@Override
	public synchronized void close() {
		if ( closed ) {
			return;
		}
		closed = true;
		RuntimeException failure = null;
		for ( Link link : links ) {
			try {
				// deleting one end deletes the pair, wherever the other end is
				ip( "link", "del", link.hostEnd );
			}
			catch (RuntimeException e) {
				failure = e;
			}
		}
		try {
			ip( "netns", "del", name );
		}
		catch (RuntimeException e) {
			failure = e;
		}
		if ( failure != null ) {
			throw failure;
		}
	}

	/** One veth pair between this machine and the namespace. */
	public final class Link {

		private final String hostEnd;
		private final String namespaceEnd;
		private final InetAddress hostAddress;
		private final InetAddress address;

		private Link(String hostEnd, String namespaceEnd, String hostAddress, String address) {
			this.hostEnd = hostEnd;
			this.namespaceEnd = namespaceEnd;
			this.hostAddress = literal( hostAddress );
			this.address = literal( address );
		}

		/** This machine's end: where a process in the namespace reaches servers of the machine. */
		public InetAddress hostAddress() {
			return hostAddress;
		}

		/** The namespace's end: where the machine reaches servers in the namespace. */
		public InetAddress address() {
			return address;
		}

		/**
		 * Cuts the link as a partition does: the machine's end goes down while the namespace's end and its route stay
		 * up, so what either side sends is dropped without a word (connections hang, new ones time out; nothing is
		 * refused or reset, and the namespace does not fall back to its own loopback).
		 */
		public void cut() {
			ip( "link", "set", hostEnd, "down" );
		}

		/** Mends a {@link #cut} link (connections that did not time out meanwhile carry on). */
		public void mend() {
			ip( "link", "set", hostEnd, "up" );
			awaitUp();
		}

		/** Until both ends say they are up (a veth pair takes a moment after {@code ip link set up}). */
		private void awaitUp() {
			Await.until( Duration.ofSeconds( 30 ), "link " + this + " up", () ->
					run( List.of( "cat", "/sys/class/net/" + hostEnd + "/operstate" ) ).equals( "up" )
							&& inside( "cat", "/sys/class/net/" + namespaceEnd + "/operstate" ).equals( "up" ) );
		}

		@Override
		public String toString() {
			return hostEnd + " " + hostAddress.getHostAddress() + " <-> " + namespaceEnd + " " + address.getHostAddress()
					+ " (in " + name + ")";
		}
	}

	private static InetAddress literal(String address) {
		try {
			return InetAddress.getByName( address );
		}
		catch (UnknownHostException e) {
			throw new IllegalArgumentException( address, e );
		}
	}

	private static void quietly(String... command) {
		try {
			run( List.of( command ) );
		}
		catch (IllegalStateException e) {
			// nothing to clean up
		}
	}

	private static String ip(String... arguments) {
		List<String> command = new ArrayList<>( List.of( "ip" ) );
		command.addAll( List.of( arguments ) );
		return run( command );
	}

	private static String run(List<String> command) {
		try {
			Process process = new ProcessBuilder( command ).redirectErrorStream( true ).start();
			String output = new String( process.getInputStream().readAllBytes(), StandardCharsets.UTF_8 ).trim();
			if ( !process.waitFor( 30, TimeUnit.SECONDS ) ) {
				process.destroyForcibly();
				throw new IllegalStateException( String.join( " ", command ) + " did not end within 30 s" );
			}
			if ( process.exitValue() != 0 ) {
				throw new IllegalStateException( String.join( " ", command ) + " failed (exit " + process.exitValue()
						+ "): " + output + " (network namespaces need root, CAP_NET_ADMIN, and iproute2's ip)" );
			}
			return output;
		}
		catch (IOException e) {
			throw new IllegalStateException( "could not run " + String.join( " ", command )
					+ " (network namespaces need iproute2's ip on the PATH)", e );
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException( "interrupted while running " + String.join( " ", command ), e );
		}
	}
}
