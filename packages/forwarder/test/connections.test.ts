import type { Socket } from 'node:net'
import { encodeAssociateRq, IMPLICIT_VR_LITTLE_ENDIAN, VERIFICATION_SOP_CLASS } from '@gslb/dicom'
import { expectNoLeaks } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { ForwarderError } from '../src/index.js'
import { connectTo, echo, startBackend, startForwarder } from './helpers.js'

expectNoLeaks()

const associateRq = () =>
  encodeAssociateRq({
    calledAE: 'PACS_MAIN',
    callingAE: 'CT_SCANNER_3',
    presentationContexts: [
      { id: 1, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
    ],
    userInformation: { maxLength: 0 },
  })

describe('forwarder.connections()', () => {
  test('lists the open connections: client, server, bytes so far and the sniffed AE titles; bounded by limit', async () => {
    const backend = await startBackend(echo)
    const { forwarder, portOf } = await startForwarder([
      { name: 'DICOM', backends: [{ address: '127.0.0.1', port: backend.port }], sniffDicom: true },
      { name: 'PLAIN', backends: [{ address: '127.0.0.1', port: backend.port }] },
    ])
    const sockets: Socket[] = []
    try {
      expect(forwarder.connections()).toEqual([])
      const dicom = await connectTo(portOf('DICOM'))
      sockets.push(dicom)
      const plain = await connectTo(portOf('PLAIN'))
      sockets.push(plain)
      const rq = associateRq()
      dicom.write(rq)
      plain.write('hello')
      await waitFor(
        () =>
          forwarder.connections().every((c) => c.bytesFromServer > 0) && forwarder.connections().length === 2,
        { timeoutMs: 10_000, what: 'both connections echoed' },
      )
      const [first, second] = forwarder.connections()
      expect(first).toMatchObject({
        service: 'DICOM',
        client: { address: '127.0.0.1', port: dicom.localPort },
        server: `127.0.0.1:${backend.port}`,
        address: '127.0.0.1',
        bytesFromClient: rq.length,
        bytesFromServer: rq.length,
        callingAE: 'CT_SCANNER_3',
        calledAE: 'PACS_MAIN',
      })
      expect(first!.startedAt).toBeLessThanOrEqual(Date.now())
      expect(second).toMatchObject({ service: 'PLAIN', bytesFromClient: 5, bytesFromServer: 5 })
      expect(second).not.toHaveProperty('callingAE')
      expect(forwarder.connections({ limit: 1 }).map((c) => c.service)).toEqual(['DICOM'])
      expect(forwarder.connections({ limit: 0 })).toEqual([])
      expect(() => forwarder.connections({ limit: -1 })).toThrow(ForwarderError)
      dicom.destroy()
      await waitFor(() => forwarder.connections().length === 1, {
        timeoutMs: 10_000,
        what: 'the closed one is gone',
      })
    } finally {
      for (const socket of sockets) socket.destroy()
      await forwarder.close({ deadlineMs: 0 })
      await backend.close()
    }
  })
})
