package io.writebehind.internal.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import io.writebehind.WriteBehindConfigurationException;
import io.writebehind.WriteBehindSettings;

/**
 * The journal's files are the application's alone: on POSIX file systems the directory write-behind creates is
 * {@code rwx------} and every file it creates {@code rw-------}, whatever the process umask (the permissions are set
 * explicitly after creation); a directory that other users can write to is refused. File systems without POSIX
 * permissions (Windows) are left to their access rules (ACLs inherited from the directory).
 */
final class JournalFiles {

	static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString( "rwx------" );
	static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString( "rw-------" );

	private JournalFiles() {
	}

	/** Whether {@code path} (which exists) is on a file system with POSIX permissions. */
	static boolean posix(Path path) {
		return Files.getFileAttributeView( path, PosixFileAttributeView.class ) != null;
	}

	/**
	 * Creates the directory if missing (its missing parents as the umask says, itself {@code rwx------}) and refuses a
	 * directory that group or others can write to, with the setting, the path, its permissions and the fix.
	 */
	static void prepareDirectory(Path dir) throws IOException {
		if ( !Files.exists( dir ) ) {
			Path parent = dir.getParent();
			if ( parent != null ) {
				Files.createDirectories( parent );
			}
			boolean posix = parent == null || posix( parent );
			try {
				if ( posix ) {
					Files.createDirectory( dir, PosixFilePermissions.asFileAttribute( DIRECTORY ) );
					Files.setPosixFilePermissions( dir, DIRECTORY );
				}
				else {
					Files.createDirectory( dir );
				}
			}
			catch (java.nio.file.FileAlreadyExistsException raced) {
				// created meanwhile by someone else: checked below like any existing directory
			}
		}
		Set<PosixFilePermission> permissions = permissions( dir );
		if ( permissions != null && ( permissions.contains( PosixFilePermission.GROUP_WRITE )
				|| permissions.contains( PosixFilePermission.OTHERS_WRITE ) ) ) {
			throw new WriteBehindConfigurationException( WriteBehindSettings.JOURNAL_DIR + " was '" + dir + "', a directory "
					+ "that other users can write to (permissions " + PosixFilePermissions.toString( permissions ) + "): "
					+ "they could add or change journal records, which this node would replay into the database. Run "
					+ "chmod 700 " + dir + " (or use a directory of the application's own account)" );
		}
	}

	/** The POSIX permissions of {@code path}, {@code null} on other file systems. */
	static Set<PosixFilePermission> permissions(Path path) throws IOException {
		return posix( path ) ? Files.getPosixFilePermissions( path ) : null;
	}

	/** Whether group or others may read or list it. */
	static boolean readableByOthers(Set<PosixFilePermission> permissions) {
		return permissions != null && ( permissions.contains( PosixFilePermission.GROUP_READ )
				|| permissions.contains( PosixFilePermission.OTHERS_READ )
				|| permissions.contains( PosixFilePermission.GROUP_EXECUTE )
				|| permissions.contains( PosixFilePermission.OTHERS_EXECUTE ) );
	}

	/** Opens a file of the journal, creating it {@code rw-------} (and setting that on a file it finds). */
	static FileChannel open(Path file, Set<? extends OpenOption> options) throws IOException {
		boolean posix = posix( file.getParent() );
		FileAttribute<?>[] attributes = posix
				? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute( FILE ) }
				: new FileAttribute<?>[0];
		FileChannel channel = FileChannel.open( file, options, attributes );
		if ( posix ) {
			try {
				restrict( file );
			}
			catch (IOException | RuntimeException e) {
				channel.close();
				throw e;
			}
		}
		return channel;
	}

	/** Sets {@code rw-------} on a file of the journal (one an earlier version created with the umask's permissions). */
	static void restrict(Path file) throws IOException {
		if ( posix( file ) && !Files.getPosixFilePermissions( file ).equals( FILE ) ) {
			Files.setPosixFilePermissions( file, FILE );
		}
	}
}
