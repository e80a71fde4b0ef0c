"""The compiler driver that stands in for CC: pure argv rules, command building, the link step.

``main`` (the ``cc-sandbox-cc`` executable) runs on every compile of the user's build, so this
package imports only the standard library: configure scripts call it hundreds of times.
"""
