package dev.wheelfarm.optin;

import java.io.IOException;

/**
 * The farm refused to connect to a repository's host: it is an internal address, it does
 * not resolve, or the connection would not be checkable. Thrown before any connection is
 * made (or, when DNS answered differently at connect time, before a byte is sent), so the
 * message says nothing about the state of the host's ports.
 */
class AddressRefusedException extends IOException {

	private static final long serialVersionUID = 1L;

	AddressRefusedException(String message) {
		super(message);
	}

}
