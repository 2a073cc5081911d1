import { notFound } from 'next/navigation';
import { resources } from '@/components/resource/defs';
import { ResourceDetail } from '@/components/resource/ResourceDetail';

export default async function Page({ params }: { params: Promise<{ resource: string; id: string }> }) {
  const { resource, id } = await params;
  if (!resources.some((r) => r.slug === resource) || !/^[0-9a-f-]{36}$/i.test(id)) notFound();
  return <ResourceDetail slug={resource} id={id} />;
}
